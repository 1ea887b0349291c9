package dev.redrain.issuance.finance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /finance/}: the review page (runbooks/finance-review.md). The page holds no data
 * and needs no token to load; everything it shows and does goes through the admin API with the
 * token the reviewer types in. Its policy lets it run only its own script and reach only this
 * service, and no other site may frame it.
 */
@RestController
class ReviewPage {
    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none';"
            + " frame-ancestors 'none'";
    private final byte[] page;

    ReviewPage() {
        try (InputStream in = ReviewPage.class.getResourceAsStream(
                "/dev/redrain/issuance/finance-review.html")) {
            this.page = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @GetMapping({"/finance", "/finance/"})
    ResponseEntity<byte[]> page() {
        return ResponseEntity.ok().contentType(MediaType.TEXT_HTML)
                .cacheControl(CacheControl.noStore())
                .header("Content-Security-Policy", POLICY)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .body(page);
    }
}
