package dev.redrain.stack.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redrain.core.catalog.Activity;
import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.issuance.finance.SignOffReads;
import dev.redrain.monitor.AlertReads;
import dev.redrain.settlement.SettlementReads;
import dev.redrain.stack.channel.PaymentChannel;
import dev.redrain.stack.load.IssuanceClient;
import dev.redrain.stack.run.FlinkJobs;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * What on-call sees, once a second: each live activity's budget burn per template against a
 * straight-line plan over the activity's window (from the issuance admin API), grab outcomes
 * per second (the instances' own counters), credit lag (issue to credit, from the
 * TokenCredited events), the latest budget alerts with their runbook links, the jobs'
 * states, and the last settlement. Snapshots are numbered and the last ones kept, so a page
 * and a test can name the exact figures they show.
 */
public final class Ops implements AutoCloseable {
    private static final CatalogStore CATALOG = new CatalogStore();
    private static final int KEPT_SNAPSHOTS = 300;
    private static final Duration LAG_WINDOW = Duration.ofSeconds(10);

    record TemplateBurn(String activityId, String templateId, String stage, String awardType,
            String currency, long budgetMinor, long grantedMinor, long remainingMinor,
            long grantedCount, long planMinor) {
    }

    record ActivityView(String activityId, String name, String liveStage, Instant startsAt,
            Instant endsAt, List<TemplateBurn> templates) {
    }

    record Alert(String alertId, Instant firedAt, String severity, String rule,
            String templateId, String summary, String runbookUrl, String fallbackSwitch) {
    }

    record SettlementView(long runId, String businessDate, String status, Instant finishedAt,
            Map<String, Long> breaksByCategory, long openBreaks, long repairedBreaks,
            Map<String, Long> openBreakAging, String reportPath, SignOffView signOff,
            String reviewUrl) {
    }

    /** Finance's sign-off of the night; null while it is not signed. */
    record SignOffView(long runId, String signedBy, Instant signedAt) {
    }

    public record Snapshot(long seq, Instant at, List<ActivityView> activities,
            Map<String, Long> grabsTotal, Map<String, Long> grabsPerSecond,
            long creditedTokens, Long lagP50Ms, Long lagP99Ms, List<Alert> alerts,
            Map<String, Long> alertsByRule, SettlementView settlement,
            Map<String, String> parts) {
    }

    private final IssuanceClient client;
    private final DataSource dataSource;
    private final PaymentChannel channel;
    private final FlinkJobs flink;
    private final Supplier<List<String>> liveInstances;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            runnable -> {
                Thread thread = new Thread(runnable, "ops-snapshots");
                thread.setDaemon(true);
                return thread;
            });
    private final Deque<Snapshot> snapshots = new ArrayDeque<>();
    private final Map<String, Map<String, Long>> lastCountsByInstance = new HashMap<>();
    private final Map<String, Long> totals = new TreeMap<>();
    private long seq;

    public Ops(IssuanceClient client, DataSource dataSource, PaymentChannel channel, FlinkJobs flink,
            Supplier<List<String>> liveInstances) {
        this.client = client;
        this.dataSource = dataSource;
        this.channel = channel;
        this.flink = flink;
        this.liveInstances = liveInstances;
        timer.scheduleWithFixedDelay(this::takeQuietly, 0, 1, TimeUnit.SECONDS);
    }

    /** The latest snapshot (taking one if none was taken yet). */
    public synchronized Snapshot latest() {
        return snapshots.isEmpty() ? take() : snapshots.peekLast();
    }

    synchronized Optional<Snapshot> bySeq(long wanted) {
        return snapshots.stream().filter(snapshot -> snapshot.seq() == wanted).findFirst();
    }

    private void takeQuietly() {
        try {
            take();
        } catch (RuntimeException e) {
            // A part is down (that is what a dashboard is for): the next second tries again.
        }
    }

    synchronized Snapshot take() {
        Instant now = Instant.now();
        Map<String, Long> perSecond = grabCounts();
        long[] lag = channel.lagPercentilesMs(LAG_WINDOW);
        Map<String, String> parts = new LinkedHashMap<>();
        parts.put("issuance instances up", liveInstances.get().size() + " of "
                + client.instances().size());
        parts.put("credit job", flink.creditJobStatus());
        parts.put("budget-monitor job", flink.monitorJobStatus());
        parts.put("credit job restarts", Integer.toString(flink.creditRestarts()));
        List<Alert> alerts = new ArrayList<>();
        Map<String, Long> alertsByRule = new TreeMap<>();
        SettlementView settlement;
        List<ActivityView> activities;
        try (Connection connection = dataSource.getConnection()) {
            alerts(connection, alerts, alertsByRule);
            settlement = settlement(connection, client.instances().get(0) + "/finance/");
            activities = activities(connection, now);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        Snapshot snapshot = new Snapshot(++seq, now, activities, Map.copyOf(totals), perSecond,
                channel.creditedTokens(), lag == null ? null : lag[0],
                lag == null ? null : lag[1], alerts, alertsByRule, settlement, parts);
        snapshots.addLast(snapshot);
        while (snapshots.size() > KEPT_SNAPSHOTS) {
            snapshots.removeFirst();
        }
        return snapshot;
    }

    /**
     * Adds each instance's increase of {@code redrain.grabs} by outcome since the last
     * snapshot to the totals, and returns the increase (per second, as snapshots are a second
     * apart). A restarted instance counts from zero again: its new count is its increase.
     */
    private Map<String, Long> grabCounts() {
        Map<String, Long> increase = new TreeMap<>();
        for (String instance : liveInstances.get()) {
            JsonNode metric = client.plainGet(instance, "/actuator/metrics/redrain.grabs");
            if (metric == null) {
                continue;
            }
            Map<String, Long> last = lastCountsByInstance.computeIfAbsent(instance,
                    key -> new HashMap<>());
            for (JsonNode tag : metric.path("availableTags")) {
                if (!"outcome".equals(tag.path("tag").asText())) {
                    continue;
                }
                for (JsonNode outcome : tag.path("values")) {
                    JsonNode one = client.plainGet(instance, "/actuator/metrics/redrain.grabs"
                            + "?tag=outcome:" + outcome.asText());
                    if (one == null) {
                        continue;
                    }
                    long count = one.path("measurements").path(0).path("value").asLong();
                    long before = last.getOrDefault(outcome.asText(), 0L);
                    long delta = count >= before ? count - before : count;
                    last.put(outcome.asText(), count);
                    increase.merge(outcome.asText(), delta, Long::sum);
                    totals.merge(outcome.asText(), delta, Long::sum);
                }
            }
        }
        return increase;
    }

    /** The parents still running, as the catalog's owner reads them, with their burn. */
    private List<ActivityView> activities(Connection connection, Instant now)
            throws SQLException {
        List<Activity> parents = CATALOG.read(connection).activities().stream()
                .filter(activity -> activity.isParent() && !"ENDED".equals(activity.status()))
                .sorted(Comparator.comparing(Activity::activityId)).toList();
        List<ActivityView> views = new ArrayList<>();
        for (Activity parent : parents) {
            JsonNode budgets;
            try {
                budgets = client.adminOk("GET", "/admin/activities/" + parent.activityId()
                        + "/budgets", null);
            } catch (Exception e) {
                continue;
            }
            views.add(new ActivityView(parent.activityId(), parent.name(),
                    budgets.path("liveStage").asText(), parent.startsAt(), parent.endsAt(),
                    burns(budgets, elapsedShare(parent, now))));
        }
        return views;
    }

    /** How much of the activity's time has passed, 0 to 1. */
    private static double elapsedShare(Activity parent, Instant now) {
        return Math.min(1.0, Math.max(0.0, (double) Duration.between(parent.startsAt(), now)
                .toMillis() / Math.max(1, Duration.between(parent.startsAt(), parent.endsAt())
                        .toMillis())));
    }

    private static List<TemplateBurn> burns(JsonNode budgets, double elapsed) {
        List<TemplateBurn> templates = new ArrayList<>();
        for (JsonNode t : budgets.path("templates")) {
            long budget = t.path("budgetMinor").asLong();
            templates.add(new TemplateBurn(t.path("activityId").asText(),
                    t.path("templateId").asText(), t.path("stage").asText(),
                    t.path("awardType").asText(), t.path("currency").asText(), budget,
                    t.path("grantedMinor").asLong(), t.path("remainingMinor").asLong(),
                    t.path("grantedCount").asLong(), Math.round(budget * elapsed)));
        }
        return templates;
    }

    private static void alerts(Connection connection, List<Alert> alerts,
            Map<String, Long> byRule) throws SQLException {
        AlertReads reads = new AlertReads();
        reads.latest(connection, 20).forEach(alert -> alerts.add(new Alert(alert.alertId(),
                alert.firedAt(), alert.severity(), alert.rule(), alert.templateId(),
                alert.summary(), alert.runbookUrl(), alert.fallbackSwitch())));
        byRule.putAll(reads.countsByRule(connection));
    }

    private static SettlementView settlement(Connection connection, String reviewUrl)
            throws SQLException {
        SettlementReads reads = new SettlementReads();
        Optional<SettlementReads.Run> latest = reads.latestRun(connection);
        if (latest.isEmpty()) {
            return null;
        }
        SettlementReads.Run run = latest.get();
        Map<String, Long> byCategory = new TreeMap<>();
        long open = 0;
        long repaired = 0;
        // Open for finance: OPEN, and UNPROVEN (nothing proves the grant; finance decides).
        for (Map.Entry<String, Long> count : reads.breakCountsSeenOn(connection,
                run.businessDate()).entrySet()) {
            String[] categoryStatus = count.getKey().split("/", 2);
            byCategory.merge(categoryStatus[0], count.getValue(), Long::sum);
            if ("OPEN".equals(categoryStatus[1]) || "UNPROVEN".equals(categoryStatus[1])) {
                open += count.getValue();
            } else if ("REPAIRED".equals(categoryStatus[1])) {
                repaired += count.getValue();
            }
        }
        String report = reads.reportFile(connection, run.businessDate(), "report.html")
                .orElse(null);
        SignOffView signOff = new SignOffReads().signOff(connection, run.businessDate())
                .map(signed -> new SignOffView(signed.runId(), signed.signedBy(),
                        signed.signedAt())).orElse(null);
        return new SettlementView(run.runId(), run.businessDate().toString(), run.status(),
                run.finishedAt(), byCategory, open, repaired,
                reads.openBreakAging(connection, run.businessDate()), report, signOff,
                reviewUrl);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
