package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redrain.core.activity.Stage;
import dev.redrain.testsupport.Chromium;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The finance review page driven in headless Chromium as a reviewer uses it: type the token,
 * load a night, open a break, acknowledge it with a note, sign the night, look up a token's
 * lineage. Every action lands in the stores through the admin API; text from the API stays
 * text.
 */
class FinanceReviewPageITCase extends IssuanceTestBase {
    private static final LocalDate NIGHT = LocalDate.of(2026, 11, 18);
    private static final String HOSTILE = "<img src=x id=injected onerror=alert(1)> carried over";

    private WebDriver browser;
    private WebDriverWait wait;

    @BeforeEach
    void openBrowser() {
        Chromium chromium = Chromium.find();
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new java.io.File(Chromium.driver())).build();
        ChromeOptions options = new ChromeOptions().setBinary(chromium.executable())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--window-size=1400,1800");
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(15));
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aReviewerAcknowledgesABreakSignsTheNightAndFollowsAToken() throws Exception {
        SettlementRows rows = new SettlementRows(jdbc);
        long run = rows.settlementRun(NIGHT, "COMPLETED", "5e".repeat(32));
        long breakId = rows.openBreak("20261118000000000000PAGE000001", "CREDITED_NOT_PAID",
                12_965_69, NIGHT);

        browser.get("http://127.0.0.1:" + port + "/finance/");
        browser.findElement(By.id("token")).sendKeys(FINANCE_TOKEN);
        browser.findElement(By.cssSelector("#sign-in button")).click();
        setDate(NIGHT);
        browser.findElement(By.cssSelector("#night-form button")).click();
        WebElement row = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                "tr[data-break='" + breakId + "']")));
        assertThat(text("night-summary")).contains("open breaks 1, not yet acknowledged 1")
                .contains("Not signed.");
        assertThat(row.getText()).contains("CREDITED_NOT_PAID", "12,965.69 CNY", "NEW");

        row.click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("action-note")))
                .sendKeys(HOSTILE);
        browser.findElement(By.cssSelector("button[data-action='acknowledge']")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("break-facts"),
                "review ACKNOWLEDGED"));
        assertThat(text("break-detail")).contains("ACKNOWLEDGE", "fin-ana", HOSTILE);
        assertThat(browser.findElements(By.id("injected"))).as("a note is text, not HTML")
                .isEmpty();

        browser.findElement(By.cssSelector("#night-form button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("night-summary"),
                "not yet acknowledged 0"));
        browser.findElement(By.id("sign-note")).sendKeys("bridge zero; one break carried"
                + " with the channel");
        browser.findElement(By.cssSelector("#sign-off button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("signed"),
                "Signed by fin-ana"));
        assertThat(text("signed")).containsPattern("at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}"
                + " UTC for run " + run);
        assertThat(jdbc.queryForObject("SELECT signed_by FROM night_signoff WHERE business_date"
                + " = ?", String.class, NIGHT)).isEqualTo("fin-ana");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM admin_audit WHERE action ="
                + " 'BREAK_ACKNOWLEDGE' AND actor = 'fin-ana'", Long.class)).isPositive();

        String outTradeNo = grab().get("outTradeNo").asText();
        browser.findElement(By.id("lineage-no")).sendKeys(outTradeNo);
        browser.findElement(By.cssSelector("#lineage-form button")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                "tr[data-hop='TOKEN_ISSUED']")));
        assertThat(browser.findElement(By.cssSelector("span[data-reached='true']")).getText())
                .isEqualTo("ISSUED");
        assertThat(text("lineage")).contains("REDIS_TOKEN", "grantProof=VERIFIED", "0.25 CNY");
        // For a reviewer's eyes: target/finance-review.png.
        java.nio.file.Files.write(java.nio.file.Path.of("target", "finance-review.png"),
                ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(
                        org.openqa.selenium.OutputType.BYTES));
    }

    @Test
    void thePageRunsOnlyItsOwnScriptAndHoldsNoData() throws Exception {
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/finance/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString()
                .contains("script-src 'self'", "frame-ancestors 'none'", "default-src 'none'");
        assertThat(page.headers().firstValue("Cache-Control")).get().asString()
                .contains("no-store");
        assertThat(page.body()).contains("/finance/console.js").doesNotContain("<script>");
        browser.get("http://127.0.0.1:" + port + "/finance/");
        setDate(NIGHT.plusDays(1));
        browser.findElement(By.cssSelector("#night-form button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"),
                "night: "));
        assertThat(text("status")).as("no token: the API refuses").contains("BAD_CREDENTIALS");
    }

    private void setDate(LocalDate date) {
        // A date input takes keys in the browser's locale order; set the value as the API's.
        ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "document.getElementById('night-date').value = arguments[0]", date.toString());
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private JsonNode grab() throws Exception {
        fixtures().festival("page", Stage.FORMAL, 0)
                .fixed("page-cash", "page-formal", "CASH", "CNY", 25, 25_000, 2, null)
                .rains("page", "CASH").load();
        return ok(client().post("/v1/grab", SignedClient.grabJson(APP, "pat", "page", "scene-1",
                "rain-1")));
    }
}
