package dev.redrain.stack.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RunbookPageTest {
    @Test
    void everyAlertRuleOfTheBudgetRunbookHasTheAnchorItsAlertLinksTo() throws Exception {
        Path runbook = Path.of(System.getProperty("redrain.home", "..")).resolve("runbooks")
                .resolve("budget-alert.md");
        String page = RunbookPage.html("budget-alert.md", Files.readString(runbook));
        // The anchors the monitor's alerts carry (Alerts.anchor: the rule, dashed).
        for (String rule : new String[] {"threshold", "burn-rate-exhaustion",
            "burn-rate-underspend", "spike", "fallback-surge", "empty-surge", "drift"}) {
            assertThat(page).contains("<h2 id=\"" + rule + "\">");
        }
        assertThat(page).contains("id=\"first-checks-for-every-alert\"").contains("<pre><code");
    }

    @Test
    void rawHtmlInARunbookIsShownAsTextAndHeadingsStayUnique() {
        String page = RunbookPage.html("x.md", "# Same\n\n# Same\n\n<script>alert(1)</script>\n\n"
                + "[click](javascript:alert(1))\n");
        assertThat(page).contains("<h1 id=\"same\">", "<h1 id=\"same-1\">")
                .doesNotContain("<script>alert").contains("&lt;script&gt;")
                .doesNotContain("href=\"javascript:");
    }
}
