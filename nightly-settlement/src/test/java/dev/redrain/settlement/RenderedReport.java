package dev.redrain.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.testsupport.Chromium;
import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;

/** A night's report as a reader gets it: rendered by headless Chromium, and its PDF's text. */
final class RenderedReport {
    private RenderedReport() {
    }

    /** The DOM Chromium rendered, after checking the page rendered with no script error. */
    static String dom(Path html) throws Exception {
        Chromium.Result rendered = Chromium.find().run("--dump-dom", html.toUri().toString());
        assertThat(rendered.stdout()).contains("data-rendered=\"ok\"");
        assertThat(rendered.stderr()).doesNotContain("Uncaught").doesNotContain(":CONSOLE(");
        return rendered.stdout();
    }

    /** The text of the element marked {@code data-figure="name"}. */
    static String figure(String dom, String name) {
        Matcher matcher = Pattern.compile("data-figure=\"" + Pattern.quote(name)
                + "\">([^<]*)<").matcher(dom);
        assertThat(matcher.find()).as("figure " + name).isTrue();
        return matcher.group(1);
    }

    static String pdfText(Path pdf) throws IOException {
        try (PDDocument document = Loader.loadPDF(pdf.toFile())) {
            return new PDFTextStripper().getText(document);
        }
    }
}
