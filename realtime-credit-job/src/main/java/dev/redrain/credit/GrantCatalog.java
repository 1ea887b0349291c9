package dev.redrain.credit;

import dev.redrain.core.event.TokenIssued;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * The activities and templates of the catalog, as the credit job checks an event against
 * them: a second line behind the grant proof, so that even a proof made with a leaked key
 * cannot book money for an activity that does not exist, at another stage, in another asset,
 * or beyond what the template's rule can grant. Read from MySQL (the tables the issuance
 * service owns) at start, and again when an event names something not yet known (a new
 * activity), at most once per {@link #RELOAD_INTERVAL_MS_MIN}.
 *
 * <p>Award type, asset, amount rule and the fixed/min/max amounts never change after a
 * template is created; its budget only grows (raises), so a stale copy can only refuse more,
 * and a refusal for the budget reloads first.
 */
final class GrantCatalog {
    static final long RELOAD_INTERVAL_MS_MIN = 1_000;

    /** A reason name for the dead-letter topic, and the sentence that explains it. */
    record Refusal(String reason, String message) {
    }

    private record Child(String parentActivityId, String stage) {
    }

    private record Template(String activityId, String awardType, String currency, String rule,
            Long fixedMinor, Long minMinor, Long maxMinor, long budgetMinor) {
    }

    private final String jdbcUrl;
    private final String jdbcUser;
    private final String jdbcPassword;
    private Map<String, Child> children = Map.of();
    private Map<String, Template> templates = Map.of();
    private Map<String, String> assetByAwardType = Map.of();
    private long loadedAtMs = Long.MIN_VALUE / 2;

    GrantCatalog(String jdbcUrl, String jdbcUser, String jdbcPassword) {
        this.jdbcUrl = jdbcUrl;
        this.jdbcUser = jdbcUser;
        this.jdbcPassword = jdbcPassword;
    }

    /** Why the event does not fit the catalog, or null when it does. */
    Refusal check(TokenIssued event) throws SQLException {
        Refusal refusal = refusal(event);
        if (refusal != null && System.currentTimeMillis() - loadedAtMs >= RELOAD_INTERVAL_MS_MIN) {
            load();
            refusal = refusal(event);
        }
        return refusal;
    }

    private Refusal refusal(TokenIssued event) {
        Child child = children.get(event.activityId());
        if (child == null || !event.parentActivityId().equals(child.parentActivityId())) {
            return new Refusal("UNKNOWN_ACTIVITY", "no stage activity " + event.activityId()
                    + " under " + event.parentActivityId());
        }
        if (!event.stage().name().equals(child.stage())) {
            return new Refusal("STAGE_MISMATCH", "activity " + event.activityId() + " is stage "
                    + child.stage() + ", the event says " + event.stage());
        }
        Template template = templates.get(event.templateId());
        if (template == null || !template.activityId().equals(event.activityId())) {
            return new Refusal("UNKNOWN_TEMPLATE", "no template " + event.templateId() + " in "
                    + event.activityId());
        }
        if (!template.awardType().equals(event.awardType())) {
            return new Refusal("AWARD_TYPE_MISMATCH", "template " + event.templateId()
                    + " grants " + template.awardType() + ", the event says " + event.awardType());
        }
        if (!template.currency().equals(event.currency())
                || !template.currency().equals(assetByAwardType.get(template.awardType()))) {
            return new Refusal("CURRENCY_MISMATCH", "template " + event.templateId() + " pays "
                    + template.currency() + ", the event says " + event.currency());
        }
        if (!fitsRule(template, event.amountMinor())) {
            return new Refusal("AMOUNT_OUT_OF_RULE", event.amountMinor() + " minor units do not"
                    + " fit template " + event.templateId() + " (" + template.rule() + ", budget "
                    + template.budgetMinor() + ")");
        }
        return null;
    }

    /** FIXED pays exactly; UNIFORM at most its maximum (a budget's last award may be less). */
    private static boolean fitsRule(Template template, long amountMinor) {
        if (amountMinor <= 0 || amountMinor > template.budgetMinor()) {
            return false;
        }
        return switch (template.rule()) {
            case "FIXED" -> template.fixedMinor() != null && amountMinor == template.fixedMinor();
            case "UNIFORM" -> template.maxMinor() != null && amountMinor <= template.maxMinor();
            case "POOL" -> true;
            default -> false;
        };
    }

    void load() throws SQLException {
        Map<String, Child> loadedChildren = new HashMap<>();
        Map<String, Template> loadedTemplates = new HashMap<>();
        Map<String, String> loadedAssets = new HashMap<>();
        try (Connection connection = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
                Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery("SELECT activity_id, parent_activity_id,"
                    + " stage FROM activity WHERE parent_activity_id IS NOT NULL")) {
                while (rows.next()) {
                    loadedChildren.put(rows.getString(1), new Child(rows.getString(2),
                            rows.getString(3)));
                }
            }
            try (ResultSet rows = statement.executeQuery("SELECT template_id, activity_id,"
                    + " award_type, currency, amount_rule, fixed_amount_minor, min_amount_minor,"
                    + " max_amount_minor, budget_minor FROM reward_template")) {
                while (rows.next()) {
                    loadedTemplates.put(rows.getString(1), new Template(rows.getString(2),
                            rows.getString(3), rows.getString(4), rows.getString(5),
                            rows.getObject(6, Long.class), rows.getObject(7, Long.class),
                            rows.getObject(8, Long.class), rows.getLong(9)));
                }
            }
            try (ResultSet rows = statement.executeQuery("SELECT award_type, asset_code FROM"
                    + " award_type")) {
                while (rows.next()) {
                    loadedAssets.put(rows.getString(1), rows.getString(2));
                }
            }
        }
        children = loadedChildren;
        templates = loadedTemplates;
        assetByAwardType = loadedAssets;
        loadedAtMs = System.currentTimeMillis();
    }
}
