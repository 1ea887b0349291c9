package dev.redrain.core.catalog;

import dev.redrain.core.activity.Stage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The one owner of the catalog tables: {@code activity}, {@code activity_allow_list}, {@code
 * reward_template}, {@code rain}, {@code rain_scene}, {@code award_type} and {@code asset}. Every part reads
 * and writes them here: the service's grab path and admin API, the credit job's grant checks,
 * the monitor's rules, the settlement's report and the local stack's checks. Plain JDBC on the
 * caller's connection, so a write joins the caller's transaction (the admin API audits in the
 * same one); checking what a caller may change is the caller's job, keeping the rows
 * consistent is this class's.
 */
public final class CatalogStore {
    private static final String TEMPLATE_COLUMNS = "template_id, activity_id, award_type,"
            + " currency, amount_rule, fixed_amount_minor, min_amount_minor, max_amount_minor,"
            + " pool_packet_count, budget_minor, budget_shards, alert_thresholds_pct,"
            + " fallback_template_id, status, user_cap_count, user_cap_minor,"
            + " user_daily_cap_count, user_daily_cap_minor, version";
    /** An activity ended early stops at its last change; a stage ends with its parent. */
    private static final String MONITORED = "SELECT t.template_id, t.activity_id,"
            + " a.parent_activity_id, a.stage, t.currency, s.minor_per_major, t.budget_minor,"
            + " t.budget_shards, t.alert_thresholds_pct, t.burn_margin_minutes,"
            + " t.unused_pct_max, t.spike_factor_pct, t.outcome_share_max_pct,"
            + " t.drift_tolerance_minor, t.drift_grace_seconds,"
            + " LEAST(a.ends_at, p.ends_at) AS ends_at,"
            + " CASE WHEN p.status = 'ENDED' OR a.status = 'ENDED'"
            + "   THEN LEAST(a.ends_at, p.ends_at, GREATEST(a.updated_at, p.updated_at))"
            + "   ELSE NULL END AS ended_at"
            + " FROM reward_template t JOIN activity a ON a.activity_id = t.activity_id"
            + " JOIN activity p ON p.activity_id = a.parent_activity_id"
            + " JOIN asset s ON s.asset_code = t.currency";

    /** Everything the catalog holds, as one consistent read. */
    public record Snapshot(List<Activity> activities, List<Template> templates,
            List<Rain> rains, Map<String, String> assetByAwardType) {
    }

    /**
     * One template as the budget monitor judges it: its budget and thresholds, its monitor
     * parameters, and when its stage stops granting ({@code endedAt}: when an operator ended it
     * early, else null).
     */
    public record MonitoredTemplate(String templateId, String activityId,
            String parentActivityId, String stage, String currency, long minorPerMajor,
            long budgetMinor, int budgetShards, String alertThresholdsPct, int burnMarginMinutes,
            int unusedPctMax, int spikeFactorPct, int outcomeShareMaxPct,
            long driftToleranceMinor, int driftGraceSeconds, Instant endsAt, Instant endedAt) {
    }

    /** Reads the whole catalog: activities with allow-lists, templates, rains with scenes. */
    public Snapshot read(Connection connection) throws SQLException {
        return new Snapshot(activities(connection), templates(connection), rains(connection),
                assets(connection));
    }

    /** Every stage child's template, as the budget monitor judges it. */
    public List<MonitoredTemplate> monitored(Connection connection) throws SQLException {
        List<MonitoredTemplate> templates = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement(MONITORED);
                ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                Timestamp ended = row.getTimestamp(17);
                templates.add(new MonitoredTemplate(row.getString(1), row.getString(2),
                        row.getString(3), row.getString(4), row.getString(5), row.getLong(6),
                        row.getLong(7), row.getInt(8), row.getString(9), row.getInt(10),
                        row.getInt(11), row.getInt(12), row.getInt(13), row.getLong(14),
                        row.getInt(15), row.getTimestamp(16).toInstant(),
                        ended == null ? null : ended.toInstant()));
            }
        }
        return templates;
    }

    /**
     * What each (stage child, asset) may pay in all: the sum of its templates' budgets
     * (raises included), keyed {@code activityId + '\0' + currency}.
     */
    public Map<String, Long> stageBudgets(Connection connection, Collection<String> activityIds)
            throws SQLException {
        List<String> ids = new ArrayList<>(new TreeSet<>(activityIds));
        Map<String, Long> limits = new HashMap<>();
        if (ids.isEmpty()) {
            return limits;
        }
        String sql = "SELECT activity_id, currency, SUM(budget_minor) FROM reward_template"
                + " WHERE activity_id IN (" + marks(ids.size()) + ") GROUP BY activity_id,"
                + " currency";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, ids.toArray());
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    limits.put(result.getString(1) + "\u0000" + result.getString(2),
                            result.getLong(3));
                }
            }
        }
        return limits;
    }

    /** The asset an award type pays in, if the award type exists. */
    public Optional<String> assetOf(Connection connection, String awardType)
            throws SQLException {
        return single(connection, "SELECT asset_code FROM award_type WHERE award_type = ?",
                awardType);
    }

    /** The assets that are cash (a payment channel funds them). */
    public Set<String> cashAssets(Connection connection) throws SQLException {
        return codes(connection, "SELECT asset_code FROM asset WHERE asset_kind = 'CASH'");
    }

    /** The assets a user may withdraw to a payment channel. */
    public Set<String> withdrawableAssets(Connection connection) throws SQLException {
        return codes(connection, "SELECT asset_code FROM asset WHERE withdrawable");
    }

    private static Set<String> codes(Connection connection, String sql) throws SQLException {
        Set<String> codes = new TreeSet<>();
        try (PreparedStatement statement = connection.prepareStatement(sql);
                ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                codes.add(row.getString(1));
            }
        }
        return codes;
    }

    // Activities

    /** A parent activity's row, locked for this transaction. */
    public record ParentRow(String name, Instant startsAt, Instant endsAt, String status,
            Stage liveStage) {
    }

    /**
     * Creates a parent and its three stage children (named {@link Activity#childId}), all
     * ACTIVE; the gray child admits {@code grayPercent} of users.
     */
    public void createActivity(Connection connection, String parentId, String name,
            Stage liveStage, int grayPercent, Instant startsAt, Instant endsAt)
            throws SQLException {
        update(connection, "INSERT INTO activity (activity_id, name, live_stage, starts_at,"
                + " ends_at, status) VALUES (?, ?, ?, ?, ?, 'ACTIVE')", parentId, name,
                liveStage.name(), Timestamp.from(startsAt), Timestamp.from(endsAt));
        for (Stage stage : Stage.values()) {
            update(connection, "INSERT INTO activity (activity_id, parent_activity_id, name,"
                    + " stage, gray_percent, starts_at, ends_at, status) VALUES (?, ?, ?, ?, ?,"
                    + " ?, ?, 'ACTIVE')", Activity.childId(parentId, stage), parentId,
                    childName(name, stage), stage.name(), stage == Stage.GRAY ? grayPercent : 0,
                    Timestamp.from(startsAt), Timestamp.from(endsAt));
        }
    }

    public Optional<ParentRow> lockParent(Connection connection, String parentId)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT name,"
                + " starts_at, ends_at, status, live_stage FROM activity WHERE activity_id = ?"
                + " AND parent_activity_id IS NULL FOR UPDATE")) {
            statement.setString(1, parentId);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.of(new ParentRow(row.getString(1),
                        row.getTimestamp(2).toInstant(), row.getTimestamp(3).toInstant(),
                        row.getString(4), stage(row.getString(5)))) : Optional.empty();
            }
        }
    }

    /** Whether {@code childId} is a stage child of {@code parentId}. */
    public boolean isChildOf(Connection connection, String childId, String parentId)
            throws SQLException {
        return single(connection, "SELECT activity_id FROM activity WHERE activity_id = ? AND"
                + " parent_activity_id = ?", childId, parentId).isPresent();
    }

    public boolean hasStageChild(Connection connection, String parentId, Stage stage)
            throws SQLException {
        return single(connection, "SELECT activity_id FROM activity WHERE parent_activity_id ="
                + " ? AND stage = ?", parentId, stage.name()).isPresent();
    }

    public void setStatus(Connection connection, String parentId, String status)
            throws SQLException {
        update(connection, "UPDATE activity SET status = ?, version = version + 1, updated_at ="
                + " CURRENT_TIMESTAMP(3) WHERE activity_id = ?", status, parentId);
    }

    public void setLiveStage(Connection connection, String parentId, Stage stage)
            throws SQLException {
        update(connection, "UPDATE activity SET live_stage = ?, version = version + 1,"
                + " updated_at = CURRENT_TIMESTAMP(3) WHERE activity_id = ?", stage.name(),
                parentId);
    }

    /**
     * Changes a parent and its children together: a null argument leaves that part as it is.
     * Every row's version moves, so caches keyed on it reload.
     */
    public void updateActivity(Connection connection, String parentId, String name,
            Instant startsAt, Instant endsAt, Integer grayPercent) throws SQLException {
        if (name != null) {
            update(connection, "UPDATE activity SET name = ? WHERE activity_id = ?", name,
                    parentId);
            for (Stage stage : Stage.values()) {
                update(connection, "UPDATE activity SET name = ? WHERE activity_id = ?",
                        childName(name, stage), Activity.childId(parentId, stage));
            }
        }
        if (startsAt != null) {
            update(connection, "UPDATE activity SET starts_at = ?, ends_at = ? WHERE"
                    + " activity_id = ? OR parent_activity_id = ?", Timestamp.from(startsAt),
                    Timestamp.from(endsAt), parentId, parentId);
        }
        if (grayPercent != null) {
            update(connection, "UPDATE activity SET gray_percent = ? WHERE activity_id = ?",
                    grayPercent, Activity.childId(parentId, Stage.GRAY));
        }
        update(connection, "UPDATE activity SET version = version + 1, updated_at ="
                + " CURRENT_TIMESTAMP(3) WHERE activity_id = ? OR parent_activity_id = ?",
                parentId, parentId);
    }

    public boolean activityExists(Connection connection, String activityId)
            throws SQLException {
        return single(connection, "SELECT activity_id FROM activity WHERE activity_id = ?",
                activityId).isPresent();
    }

    /** Adds actIds to a stage child's allow-list; ones already on it stay. */
    public void allow(Connection connection, String childId, List<String> actIds)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("INSERT IGNORE INTO"
                + " activity_allow_list (activity_id, act_id) VALUES (?, ?)")) {
            for (String actId : actIds) {
                statement.setString(1, childId);
                statement.setString(2, actId);
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    // Templates

    /** A new template's row; null amounts and caps are NULL columns. */
    public record NewTemplate(String templateId, String activityId, String awardType,
            String currency, AmountRule rule, Long fixedAmountMinor, Long minAmountMinor,
            Long maxAmountMinor, Integer poolPacketCount, long budgetMinor, int budgetShards,
            List<Integer> alertThresholdsPct, String fallbackTemplateId, UserCaps userCaps) {
    }

    public void createTemplate(Connection connection, NewTemplate template)
            throws SQLException {
        UserCaps caps = template.userCaps();
        update(connection, "INSERT INTO reward_template (template_id, activity_id, award_type,"
                + " currency, amount_rule, fixed_amount_minor, min_amount_minor,"
                + " max_amount_minor, pool_packet_count, budget_minor, budget_shards,"
                + " alert_thresholds_pct, fallback_template_id, user_cap_count, user_cap_minor,"
                + " user_daily_cap_count, user_daily_cap_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                + " ?, ?, ?, ?, ?, ?, ?, ?, ?)", template.templateId(), template.activityId(),
                template.awardType(), template.currency(), template.rule().name(),
                template.fixedAmountMinor(), template.minAmountMinor(),
                template.maxAmountMinor(), template.poolPacketCount(), template.budgetMinor(),
                template.budgetShards(), thresholds(template.alertThresholdsPct()),
                template.fallbackTemplateId(), capOrNull(caps.count()),
                capOrNull(caps.amountMinor()), capOrNull(caps.dailyCount()),
                capOrNull(caps.dailyAmountMinor()));
    }

    /** A template's stage child and fallback, as stored. */
    public record TemplateLink(String activityId, String fallbackTemplateId) {
    }

    public Optional<TemplateLink> link(Connection connection, String templateId)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT activity_id,"
                + " fallback_template_id FROM reward_template WHERE template_id = ?")) {
            statement.setString(1, templateId);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.of(new TemplateLink(row.getString(1),
                        row.getString(2))) : Optional.empty();
            }
        }
    }

    /** A template's stage child, its row locked for this transaction. */
    public Optional<String> lockTemplate(Connection connection, String templateId)
            throws SQLException {
        return single(connection, "SELECT activity_id FROM reward_template WHERE template_id ="
                + " ? FOR UPDATE", templateId);
    }

    /** Whether the issuer counts this template's grants per user (it was made with a cap). */
    public boolean countsPerUser(Connection connection, String templateId)
            throws SQLException {
        return single(connection, "SELECT template_id FROM reward_template WHERE template_id = ?"
                + " AND (user_cap_count IS NOT NULL OR user_cap_minor IS NOT NULL OR"
                + " user_daily_cap_count IS NOT NULL OR user_daily_cap_minor IS NOT NULL)",
                templateId).isPresent();
    }

    /** The columns of a template an operator may change after it is created. */
    public enum Changeable {
        ALERT_THRESHOLDS_PCT("alert_thresholds_pct"),
        BURN_MARGIN_MINUTES("burn_margin_minutes"),
        UNUSED_PCT_MAX("unused_pct_max"),
        SPIKE_FACTOR_PCT("spike_factor_pct"),
        OUTCOME_SHARE_MAX_PCT("outcome_share_max_pct"),
        DRIFT_TOLERANCE_MINOR("drift_tolerance_minor"),
        DRIFT_GRACE_SECONDS("drift_grace_seconds"),
        FALLBACK_TEMPLATE_ID("fallback_template_id"),
        USER_CAP_COUNT("user_cap_count"),
        USER_CAP_MINOR("user_cap_minor"),
        USER_DAILY_CAP_COUNT("user_daily_cap_count"),
        USER_DAILY_CAP_MINOR("user_daily_cap_minor");

        private final String column;

        Changeable(String column) {
            this.column = column;
        }

        public String column() {
            return column;
        }
    }

    /**
     * Sets the given columns (a null value is NULL; alert thresholds are a list of
     * percentages) and moves the template's version.
     */
    public void updateTemplate(Connection connection, String templateId,
            Map<Changeable, Object> changes) throws SQLException {
        Map<Changeable, Object> ordered = new EnumMap<>(changes);
        List<Object> values = new ArrayList<>();
        ordered.forEach((column, value) -> values.add(column == Changeable.ALERT_THRESHOLDS_PCT
                ? thresholds(castList(value)) : value));
        values.add(templateId);
        update(connection, "UPDATE reward_template SET " + ordered.keySet().stream()
                .map(column -> column.column() + " = ?").collect(Collectors.joining(", "))
                + ", version = version + 1, updated_at = CURRENT_TIMESTAMP(3) WHERE template_id"
                + " = ?", values.toArray());
    }

    /** Adds {@code addMinor} to a template's budget; returns the budget before it. */
    public long raiseBudget(Connection connection, String templateId, long addMinor)
            throws SQLException {
        long before = Long.parseLong(single(connection, "SELECT budget_minor FROM"
                + " reward_template WHERE template_id = ? FOR UPDATE", templateId)
                .orElseThrow(() -> new SQLException("no template " + templateId)));
        update(connection, "UPDATE reward_template SET budget_minor = budget_minor + ?, version"
                + " = version + 1, updated_at = CURRENT_TIMESTAMP(3) WHERE template_id = ?",
                addMinor, templateId);
        return before;
    }

    // Rains

    /** A rain's row, locked for this transaction; {@code status} SCHEDULED or CANCELLED. */
    public record RainRow(Instant opensAt, Instant closesAt, String status) {
    }

    public Optional<RainRow> lockRain(Connection connection, String parentId, String rainId)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT opens_at,"
                + " closes_at, status FROM rain WHERE parent_activity_id = ? AND rain_id = ?"
                + " FOR UPDATE")) {
            statement.setString(1, parentId);
            statement.setString(2, rainId);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.of(new RainRow(row.getTimestamp(1).toInstant(),
                        row.getTimestamp(2).toInstant(), row.getString(3))) : Optional.empty();
            }
        }
    }

    public void createRain(Connection connection, String parentId, String rainId,
            Instant opensAt, Instant closesAt, Map<String, String> awardTypeByScene)
            throws SQLException {
        update(connection, "INSERT INTO rain (parent_activity_id, rain_id, opens_at, closes_at)"
                + " VALUES (?, ?, ?, ?)", parentId, rainId, Timestamp.from(opensAt),
                Timestamp.from(closesAt));
        addScenes(connection, parentId, rainId, awardTypeByScene);
    }

    /** A rain's scenes, each with its award type, sorted by scene id. */
    public Map<String, String> scenes(Connection connection, String parentId, String rainId)
            throws SQLException {
        Map<String, String> scenes = new TreeMap<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT scene_id,"
                + " award_type FROM rain_scene WHERE parent_activity_id = ? AND rain_id = ?")) {
            statement.setString(1, parentId);
            statement.setString(2, rainId);
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    scenes.put(row.getString(1), row.getString(2));
                }
            }
        }
        return scenes;
    }

    /** Moves a rain's window and adds scenes (a scene is never removed or changed). */
    public void extendRain(Connection connection, String parentId, String rainId,
            Instant opensAt, Instant closesAt, Map<String, String> addedScenes)
            throws SQLException {
        update(connection, "UPDATE rain SET opens_at = ?, closes_at = ?, version = version + 1,"
                + " updated_at = CURRENT_TIMESTAMP(3) WHERE parent_activity_id = ? AND rain_id ="
                + " ?", Timestamp.from(opensAt), Timestamp.from(closesAt), parentId, rainId);
        addScenes(connection, parentId, rainId, addedScenes);
    }

    public void cancelRain(Connection connection, String parentId, String rainId)
            throws SQLException {
        update(connection, "UPDATE rain SET status = 'CANCELLED', version = version + 1,"
                + " updated_at = CURRENT_TIMESTAMP(3) WHERE parent_activity_id = ? AND rain_id ="
                + " ?", parentId, rainId);
    }

    private void addScenes(Connection connection, String parentId, String rainId,
            Map<String, String> awardTypeByScene) throws SQLException {
        for (Map.Entry<String, String> scene : awardTypeByScene.entrySet()) {
            update(connection, "INSERT INTO rain_scene (parent_activity_id, rain_id, scene_id,"
                    + " award_type) VALUES (?, ?, ?, ?)", parentId, rainId, scene.getKey(),
                    scene.getValue());
        }
    }

    // Reading

    private static List<Activity> activities(Connection connection) throws SQLException {
        Map<String, Set<String>> allowLists = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT activity_id,"
                + " act_id FROM activity_allow_list"); ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                allowLists.computeIfAbsent(row.getString(1), id -> new HashSet<>())
                        .add(row.getString(2));
            }
        }
        List<Activity> activities = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT activity_id,"
                + " parent_activity_id, name, stage, live_stage, gray_percent, starts_at,"
                + " ends_at, status FROM activity"); ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                String id = row.getString(1);
                activities.add(new Activity(id, row.getString(2), row.getString(3),
                        stage(row.getString(4)), stage(row.getString(5)), row.getInt(6),
                        row.getTimestamp(7).toInstant(), row.getTimestamp(8).toInstant(),
                        row.getString(9), allowLists.getOrDefault(id, Set.of())));
            }
        }
        return activities;
    }

    private static List<Template> templates(Connection connection) throws SQLException {
        List<Template> templates = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT "
                + TEMPLATE_COLUMNS + " FROM reward_template");
                ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                templates.add(template(row));
            }
        }
        return templates;
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

    private static List<Rain> rains(Connection connection) throws SQLException {
        Map<String, Map<String, String>> scenes = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT"
                + " parent_activity_id, rain_id, scene_id, award_type FROM rain_scene");
                ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                scenes.computeIfAbsent(row.getString(1) + "\u0000" + row.getString(2),
                        key -> new HashMap<>()).put(row.getString(3), row.getString(4));
            }
        }
        List<Rain> rains = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT"
                + " parent_activity_id, rain_id, opens_at, closes_at, status FROM rain");
                ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                String parent = row.getString(1);
                String rainId = row.getString(2);
                rains.add(new Rain(parent, rainId, row.getTimestamp(3).toInstant(),
                        row.getTimestamp(4).toInstant(), "CANCELLED".equals(row.getString(5)),
                        scenes.getOrDefault(parent + "\u0000" + rainId, Map.of())));
            }
        }
        return rains;
    }

    private static Map<String, String> assets(Connection connection) throws SQLException {
        Map<String, String> assets = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT award_type,"
                + " asset_code FROM award_type"); ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                assets.put(row.getString(1), row.getString(2));
            }
        }
        return assets;
    }

    // JDBC

    private static Optional<String> single(Connection connection, String sql, Object... args)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, args);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() ? Optional.ofNullable(row.getString(1)) : Optional.empty();
            }
        }
    }

    private static int update(Connection connection, String sql, Object... args)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            bind(statement, args);
            return statement.executeUpdate();
        }
    }

    private static void bind(PreparedStatement statement, Object[] args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            if (args[i] == null) {
                statement.setNull(i + 1, Types.NULL);
            } else {
                statement.setObject(i + 1, args[i]);
            }
        }
    }

    private static String marks(int count) {
        return String.join(", ", Collections.nCopies(count, "?"));
    }

    private static Stage stage(String name) {
        return name == null ? null : Stage.valueOf(name);
    }

    private static String childName(String parentName, Stage stage) {
        return parentName + " (" + stage + ")";
    }

    private static String thresholds(List<Integer> percentages) {
        return percentages.stream().distinct().sorted().map(String::valueOf)
                .collect(Collectors.joining(","));
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> castList(Object value) {
        return (List<Integer>) value;
    }

    private static Long capOrNull(long cap) {
        return cap == 0 ? null : cap;
    }
}
