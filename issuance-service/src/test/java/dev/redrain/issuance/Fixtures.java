package dev.redrain.issuance;

import dev.redrain.core.activity.Stage;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.budget.BudgetGuard;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.time.temporal.ChronoUnit;
import org.springframework.jdbc.core.JdbcTemplate;

/** Activities and templates written as an operator would, then loaded by the service. */
public final class Fixtures {
    private final JdbcTemplate jdbc;
    private final CatalogRefresher catalog;
    private final BudgetGuard guard;

    Fixtures(JdbcTemplate jdbc, CatalogRefresher catalog, BudgetGuard guard) {
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.guard = guard;
    }

    /** A live parent with one child per stage (ids {@code <parent>-internal/-gray/-formal}). */
    /** The scene every test rain has, unless a test declares its own. */
    public static final String SCENE = "scene-1";
    /** The rains the grab tests name: r, r1..r9, rain-0..rain-99. */
    public static final String[] TEST_RAINS = java.util.stream.Stream.concat(
            java.util.stream.Stream.concat(java.util.stream.Stream.of("r"),
                    java.util.stream.IntStream.rangeClosed(1, 9).mapToObj(i -> "r" + i)),
            java.util.stream.IntStream.range(0, 100).mapToObj(i -> "rain-" + i))
            .toArray(String[]::new);

    public Fixtures festival(String parentId, Stage liveStage, int grayPercent) {
        Timestamp starts = Timestamp.from(Instant.now().minus(1, ChronoUnit.HOURS));
        Timestamp ends = Timestamp.from(Instant.now().plus(1, ChronoUnit.DAYS));
        jdbc.update("INSERT INTO activity (activity_id, name, live_stage, starts_at, ends_at,"
                + " status) VALUES (?, ?, ?, ?, ?, 'ACTIVE')", parentId, "Festival " + parentId,
                liveStage.name(), starts, ends);
        for (Stage stage : Stage.values()) {
            jdbc.update("INSERT INTO activity (activity_id, parent_activity_id, name, stage,"
                    + " gray_percent, starts_at, ends_at, status) VALUES (?, ?, ?, ?, ?, ?, ?,"
                    + " 'ACTIVE')", child(parentId, stage), parentId, parentId + " " + stage,
                    stage.name(), stage == Stage.GRAY ? grayPercent : 0, starts, ends);
        }
        return this;
    }

    public static String child(String parentId, Stage stage) {
        return parentId + switch (stage) {
            case INTERNAL_TEST -> "-internal";
            case GRAY -> "-gray";
            case FORMAL -> "-formal";
        };
    }

    public Fixtures fixed(String templateId, String activityId, String awardType,
            String currency, long amountMinor, long budgetMinor, int shards, String fallback) {
        jdbc.update("INSERT INTO reward_template (template_id, activity_id, award_type, currency,"
                + " amount_rule, fixed_amount_minor, budget_minor, budget_shards,"
                + " fallback_template_id) VALUES (?, ?, ?, ?, 'FIXED', ?, ?, ?, ?)", templateId,
                activityId, awardType, currency, amountMinor, budgetMinor, shards, fallback);
        return this;
    }

    public Fixtures uniform(String templateId, String activityId, long minMinor, long maxMinor,
            long budgetMinor, int shards) {
        jdbc.update("INSERT INTO reward_template (template_id, activity_id, award_type, currency,"
                + " amount_rule, min_amount_minor, max_amount_minor, budget_minor, budget_shards)"
                + " VALUES (?, ?, 'CASH', 'CNY', 'UNIFORM', ?, ?, ?, ?)", templateId, activityId,
                minMinor, maxMinor, budgetMinor, shards);
        return this;
    }

    public Fixtures pool(String templateId, String activityId, int packets, long budgetMinor,
            int shards) {
        jdbc.update("INSERT INTO reward_template (template_id, activity_id, award_type, currency,"
                + " amount_rule, pool_packet_count, budget_minor, budget_shards) VALUES (?, ?,"
                + " 'CASH', 'CNY', 'POOL', ?, ?, ?)", templateId, activityId, packets, budgetMinor,
                shards);
        return this;
    }

    /**
     * Declares rains of {@code parentId}, open from an hour ago for a day, each with the scenes
     * {@code scene-1} and {@code s} granting {@code awardType} (grabs can name only declared
     * rains). With no ids: the test calendar, {@link #TEST_RAINS}.
     */
    public Fixtures rains(String parentId, String awardType, String... rainIds) {
        return rains(parentId, Map.of(SCENE, awardType, "s", awardType), rainIds);
    }

    /** Declares rains of {@code parentId} with these scenes, open from an hour ago for a day. */
    public Fixtures rains(String parentId, Map<String, String> awardTypeByScene,
            String... rainIds) {
        if (rainIds.length == 0) {
            rainIds = TEST_RAINS;
        }
        Timestamp opens = Timestamp.from(Instant.now().minus(1, ChronoUnit.HOURS));
        Timestamp closes = Timestamp.from(Instant.now().plus(1, ChronoUnit.DAYS));
        for (String rainId : rainIds) {
            jdbc.update("INSERT INTO rain (parent_activity_id, rain_id, opens_at, closes_at)"
                    + " VALUES (?, ?, ?, ?)", parentId, rainId, opens, closes);
            awardTypeByScene.forEach((scene, type) -> jdbc.update("INSERT INTO rain_scene"
                    + " (parent_activity_id, rain_id, scene_id, award_type) VALUES (?, ?, ?, ?)",
                    parentId, rainId, scene, type));
        }
        return this;
    }

    /** Sets a template's per-user caps (null: no cap). */
    public Fixtures caps(String templateId, Integer count, Long amountMinor, Integer dailyCount,
            Long dailyAmountMinor) {
        jdbc.update("UPDATE reward_template SET user_cap_count = ?, user_cap_minor = ?,"
                + " user_daily_cap_count = ?, user_daily_cap_minor = ? WHERE template_id = ?",
                count, amountMinor, dailyCount, dailyAmountMinor, templateId);
        return this;
    }

    public Fixtures allow(String activityId, String actId) {
        jdbc.update("INSERT INTO activity_allow_list (activity_id, act_id) VALUES (?, ?)",
                activityId, actId);
        return this;
    }

    /** Makes the service see the rows now, and load the new budgets. */
    public void load() {
        catalog.reload();
        guard.check();
    }
}
