package dev.redrain.credit;

import dev.redrain.core.money.Money;
import dev.redrain.core.catalog.Activity;
import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.core.catalog.Template;
import dev.redrain.core.event.TokenIssued;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The activities and templates of the catalog, as the credit job checks an event against
 * them: a second line behind the grant proof, so that even a proof made with a leaked key
 * cannot book money for an activity that does not exist, at another stage, in another asset,
 * or beyond what the template's rule can grant. Read from MySQL through the catalog's owner
 * ({@link CatalogStore}) at start, and again when an event names something not yet known (a
 * new activity), at most once per {@link #RELOAD_INTERVAL_MS_MIN}.
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

    private final String jdbcUrl;
    private final String jdbcUser;
    private final String jdbcPassword;
    private static final CatalogStore CATALOG = new CatalogStore();
    private Map<String, Activity> children = Map.of();
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
        Activity child = children.get(event.activityId());
        if (child == null || !event.parentActivityId().equals(child.parentActivityId())) {
            return new Refusal("UNKNOWN_ACTIVITY", "no stage activity " + event.activityId()
                    + " under " + event.parentActivityId());
        }
        if (event.stage() != child.stage()) {
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
            return new Refusal("AMOUNT_OUT_OF_RULE", Money.of(event.amountMinor(),
                    event.currency()).display() + " does not fit template " + event.templateId()
                    + " (" + template.rule() + ", budget " + Money.of(template.budgetMinor(),
                            template.currency()).display() + ")");
        }
        return null;
    }

    /** FIXED pays exactly; UNIFORM at most its maximum (a budget's last award may be less). */
    private static boolean fitsRule(Template template, long amountMinor) {
        if (amountMinor <= 0 || amountMinor > template.budgetMinor()) {
            return false;
        }
        return switch (template.rule()) {
            case FIXED -> amountMinor == template.fixedAmountMinor();
            case UNIFORM -> amountMinor <= template.maxAmountMinor();
            case POOL -> true;
        };
    }

    void load() throws SQLException {
        CatalogStore.Snapshot catalog;
        try (Connection connection = DriverManager.getConnection(jdbcUrl, jdbcUser,
                jdbcPassword)) {
            catalog = CATALOG.read(connection);
        }
        Map<String, Activity> loadedChildren = new HashMap<>();
        catalog.activities().stream().filter(activity -> !activity.isParent())
                .forEach(activity -> loadedChildren.put(activity.activityId(), activity));
        Map<String, Template> loadedTemplates = new HashMap<>();
        catalog.templates().forEach(template -> loadedTemplates.put(template.templateId(),
                template));
        children = loadedChildren;
        templates = loadedTemplates;
        assetByAwardType = Map.copyOf(catalog.assetByAwardType());
        loadedAtMs = System.currentTimeMillis();
    }
}
