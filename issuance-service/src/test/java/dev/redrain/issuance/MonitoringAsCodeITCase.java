package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.activity.Stage;
import dev.redrain.testsupport.MonitoringFiles;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped Prometheus rules and Grafana dashboard against the service's real scrape: every
 * Redrain and request metric they name is one the service exports, every rule has a severity
 * and a runbook section that exists, every panel queries something.
 */
class MonitoringAsCodeITCase extends IssuanceTestBase {
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
        MonitoringFiles.rules("redrain-rules.yml").forEach(rule -> exprs.add(rule.expr()));
        exprs.addAll(MonitoringFiles.dashboardQueries("redrain-issuance.json"));
        Set<String> named = MonitoringFiles.named(exprs, METRIC);
        assertThat(named).as("metrics the rules and the dashboard name").contains(
                "redrain_budget_guard_live", "redrain_outbox_depth", "redrain_grabs_total",
                "redrain_payouts_unknown", "redrain_settlement_last_completed_age_seconds");
        assertThat(exported).as("the service's scrape").containsAll(named);
    }

    private Set<String> scrape() throws Exception {
        HttpResponse<String> scrape = admin(VIEWER_TOKEN, "GET", "/actuator/prometheus", null);
        assertThat(scrape.statusCode()).isEqualTo(200);
        return MonitoringFiles.scraped(scrape.body());
    }
}
