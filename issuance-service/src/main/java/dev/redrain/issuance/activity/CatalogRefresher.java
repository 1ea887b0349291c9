package dev.redrain.issuance.activity;

import dev.redrain.core.activity.Stage;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Holds the current {@link Catalog} and reloads it from MySQL every second, so an operator's
 * change reaches every instance within about a second. A failed reload keeps the last good
 * snapshot (grabs go on) and is logged.
 */
@Component
public class CatalogRefresher {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogRefresher.class);

    private final JdbcTemplate jdbc;
    private volatile Catalog current = Catalog.empty();

    CatalogRefresher(JdbcTemplate jdbc,
            dev.redrain.issuance.config.InfrastructureConfig.SchemaMigrated migrated) {
        this.jdbc = jdbc;
        reload();
    }

    public Catalog current() {
        return current;
    }

    @Scheduled(fixedDelayString = "${redrain.catalog-refresh:1s}")
    void scheduledReload() {
        try {
            reload();
        } catch (RuntimeException e) {
            LOG.warn("catalog reload failed; keeping the last snapshot: {}", e.toString());
        }
    }

    /** Loads a fresh snapshot now (admin changes call this so their own answer sees it). */
    public Catalog reload() {
        Map<String, Set<String>> allowLists = new HashMap<>();
        jdbc.query("SELECT activity_id, act_id FROM activity_allow_list", row -> {
            allowLists.computeIfAbsent(row.getString(1), id -> new HashSet<>())
                    .add(row.getString(2));
        });
        Map<String, Activity> activities = new HashMap<>();
        jdbc.query("SELECT activity_id, parent_activity_id, name, stage, live_stage,"
                + " gray_percent, starts_at, ends_at, status FROM activity", row -> {
                    Activity activity = activity(row, allowLists);
                    activities.put(activity.activityId(), activity);
                });
        Map<String, Template> templates = new HashMap<>();
        jdbc.query("SELECT template_id, activity_id, award_type, currency, amount_rule,"
                + " fixed_amount_minor, min_amount_minor, max_amount_minor, pool_packet_count,"
                + " budget_minor, budget_shards, alert_thresholds_pct, fallback_template_id,"
                + " status, user_cap_count, user_cap_minor, user_daily_cap_count,"
                + " user_daily_cap_minor, version FROM reward_template", row -> {
                    Template template = template(row);
                    templates.put(template.templateId(), template);
                });
        Catalog catalog = new Catalog(activities, templates, rains());
        current = catalog;
        return catalog;
    }

    private Map<String, Map<String, Rain>> rains() {
        Map<String, Map<String, String>> scenes = new HashMap<>();
        jdbc.query("SELECT parent_activity_id, rain_id, scene_id, award_type FROM rain_scene",
                row -> {
                    scenes.computeIfAbsent(row.getString(1) + "\u0000" + row.getString(2),
                            key -> new HashMap<>()).put(row.getString(3), row.getString(4));
                });
        Map<String, Map<String, Rain>> rains = new HashMap<>();
        jdbc.query("SELECT parent_activity_id, rain_id, opens_at, closes_at, status FROM rain",
                row -> {
                    String parent = row.getString(1);
                    String rainId = row.getString(2);
                    rains.computeIfAbsent(parent, key -> new HashMap<>()).put(rainId,
                            new Rain(parent, rainId, instant(row.getTimestamp(3)),
                                    instant(row.getTimestamp(4)),
                                    "CANCELLED".equals(row.getString(5)),
                                    scenes.getOrDefault(parent + "\u0000" + rainId, Map.of())));
                });
        return rains;
    }

    private static Activity activity(ResultSet row, Map<String, Set<String>> allowLists)
            throws SQLException {
        String id = row.getString("activity_id");
        return new Activity(id, row.getString("parent_activity_id"), row.getString("name"),
                stage(row.getString("stage")), stage(row.getString("live_stage")),
                row.getInt("gray_percent"), instant(row.getTimestamp("starts_at")),
                instant(row.getTimestamp("ends_at")), row.getString("status"),
                allowLists.getOrDefault(id, Set.of()));
    }

    private static Template template(ResultSet row) throws SQLException {
        List<Integer> thresholds = Arrays.stream(row.getString("alert_thresholds_pct").split(","))
                .map(String::trim).filter(part -> !part.isEmpty()).map(Integer::valueOf)
                .sorted().toList();
        return new Template(row.getString("template_id"), row.getString("activity_id"),
                row.getString("award_type"), row.getString("currency"),
                AmountRule.valueOf(row.getString("amount_rule")),
                row.getLong("fixed_amount_minor"), row.getLong("min_amount_minor"),
                row.getLong("max_amount_minor"), row.getInt("pool_packet_count"),
                row.getLong("budget_minor"), row.getInt("budget_shards"), thresholds,
                row.getString("fallback_template_id"), "ACTIVE".equals(row.getString("status")),
                new UserCaps(row.getLong("user_cap_count"), row.getLong("user_cap_minor"),
                        row.getLong("user_daily_cap_count"), row.getLong("user_daily_cap_minor")),
                row.getLong("version"));
    }

    private static Stage stage(String name) {
        return name == null ? null : Stage.valueOf(name);
    }

    private static java.time.Instant instant(Timestamp timestamp) {
        return timestamp.toInstant();
    }
}
