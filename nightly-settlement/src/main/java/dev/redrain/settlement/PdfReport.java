package dev.redrain.settlement;

import com.openhtmltopdf.pdfboxout.PdfRendererBuilder;
import com.openhtmltopdf.svgsupport.BatikSVGDrawer;
import com.openhtmltopdf.util.XRLog;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;

/**
 * The printable PDF of the report: the same page {@link HtmlReport} renders (the template is
 * well-formed XHTML for this), laid out by openhtmltopdf, its chart drawn from the same SVG.
 * Finance prints and files this one; its checksum is recorded with the other files.
 */
final class PdfReport {
    static {
        // openhtmltopdf logs every stage of a layout at INFO; only its warnings belong in the
        // job's log.
        XRLog.listRegisteredLoggers().forEach(logger -> XRLog.setLevel(logger, Level.WARNING));
    }

    private PdfReport() {
    }

    static void write(String xhtml, Path pdf) {
        try (OutputStream out = Files.newOutputStream(pdf)) {
            PdfRendererBuilder builder = new PdfRendererBuilder();
            builder.useFastMode();
            builder.useSVGDrawer(new BatikSVGDrawer());
            builder.withHtmlContent(xhtml, pdf.toAbsolutePath().getParent().toUri().toString());
            builder.toStream(out);
            builder.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
