package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The shipped Prometheus rules and Grafana dashboard against the service's real scrape: every
 * Redrain and request metric they name is one the service exports, every rule has a severity
 * and a runbook section that exists, every panel queries something.
 */
class MonitoringAsCodeITCase extends IssuanceTestBase {
    private static final Path OPS = Path.of("..", "ops");
    private static final Pattern METRIC = Pattern.compile("\\b(redrain_[a-z0-9_]+|http_server_"
            + "requests_seconds_[a-z]+)\\b");

    @Test
    void everyMetricTheRulesAndTheDashboardNameIsOneTheServiceExports() throws Exception {
        fixtures().festival("mon", Stage.FORMAL, 0)
                .fixed("mon-cash", "mon-formal", "CASH", "CNY", 10, 1_000, 1, null)
                .rains("mon", "CASH").load();
        ok(client().post("/v1/grab", SignedClient.grabJson(APP, "watched", "mon", "scene-1",
                "r1")));
        // Per-template gauges appear at the 5 s refresh after the template is known.
        Set<String> exported = scrape();
        for (int wait = 0; wait < 30 && !exported.contains("redrain_budget_remaining_minor");
                wait++) {
            Thread.sleep(500);
            exported = scrape();
        }

        List<String> exprs = new ArrayList<>();
        for (Map<String, Object> rule : rules()) {
            String alert = (String) rule.get("alert");
            assertThat((String) rule.get("expr")).as(alert).isNotBlank();
            exprs.add((String) rule.get("expr"));
            @SuppressWarnings("unchecked")
            Map<String, String> labels = (Map<String, String>) rule.get("labels");
            assertThat(labels.get("severity")).as(alert).isIn("warning", "critical");
            @SuppressWarnings("unchecked")
            Map<String, String> annotations = (Map<String, String>) rule.get("annotations");
            assertRunbookSectionExists(alert, annotations.get("runbook_url"));
        }
        JsonNode dashboard = new ObjectMapper().readTree(OPS.resolve("grafana")
                .resolve("redrain-issuance.json").toFile());
        assertThat(dashboard.get("panels")).isNotEmpty();
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
            panel.get("targets").forEach(target -> exprs.add(target.get("expr").asText()));
        }

        Set<String> named = new TreeSet<>();
        for (String expr : exprs) {
            Matcher metric = METRIC.matcher(expr);
            while (metric.find()) {
                named.add(metric.group(1));
            }
        }
        assertThat(named).as("metrics the rules and the dashboard name").contains(
                "redrain_budget_guard_live", "redrain_outbox_depth", "redrain_grabs_total",
                "redrain_payouts_unknown", "redrain_settlement_last_completed_age_seconds");
        assertThat(exported).as("the service's scrape").containsAll(named);
    }

    private Set<String> scrape() throws Exception {
        HttpResponse<String> scrape = admin(VIEWER_TOKEN, "GET", "/actuator/prometheus", null);
        assertThat(scrape.statusCode()).isEqualTo(200);
        Set<String> exported = new TreeSet<>();
        scrape.body().lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                .forEach(line -> exported.add(line.split("[{ ]", 2)[0]));
        return exported;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules() throws Exception {
        Map<String, Object> file = new Yaml().load(Files.readString(OPS.resolve("prometheus")
                .resolve("redrain-rules.yml")));
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
            rules.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        assertThat(rules).isNotEmpty();
        return rules;
    }

    /** {@code runbooks/x.md#section}: the file exists and has a heading with that slug. */
    private static void assertRunbookSectionExists(String alert, String url) throws Exception {
        assertThat(url).as(alert).matches("runbooks/[a-z0-9-]+\\.md#[a-z0-9-]+");
        String[] parts = url.split("#", 2);
        Path runbook = OPS.resolveSibling(parts[0]);
        assertThat(runbook).as(alert).isRegularFile();
        Set<String> slugs = new TreeSet<>();
        Files.readAllLines(runbook).stream().filter(line -> line.startsWith("#"))
                .forEach(line -> slugs.add(line.replaceFirst("^#+\\s*", "")
                        .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 -]", "").trim()
                        .replaceAll("\\s+", "-")));
        assertThat(slugs).as(alert + " links " + url).contains(parts[1]);
    }
}
