package dev.redrain.issuance.activity;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.catalog.Activity;
import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.core.catalog.Rain;
import dev.redrain.core.catalog.Template;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An immutable snapshot of every activity and template, read from MySQL. Grabs read it without
 * touching the database; {@link CatalogRefresher} swaps in a new snapshot every second.
 */
public final class Catalog {
    /** Longest fallback chain followed; a longer (or cyclic) chain is cut here. */
    public static final int FALLBACK_DEPTH_MAX = 8;

    private final Map<String, Activity> activities;
    private final Map<String, Template> templates;
    private final Map<String, List<Template>> templatesByActivity;
    /** Declared rains by parent activity id, then rain id. */
    private final Map<String, Map<String, Rain>> rainsByParent;

    public Catalog(Map<String, Activity> activities, Map<String, Template> templates) {
        this(activities, templates, Map.of());
    }

    public Catalog(Map<String, Activity> activities, Map<String, Template> templates,
            Map<String, Map<String, Rain>> rainsByParent) {
        this.activities = Map.copyOf(activities);
        this.templates = Map.copyOf(templates);
        Map<String, Map<String, Rain>> rains = new HashMap<>();
        rainsByParent.forEach((parent, byId) -> rains.put(parent, Map.copyOf(byId)));
        this.rainsByParent = Map.copyOf(rains);
        this.templatesByActivity = templates.values().stream()
                .sorted(Comparator.comparing(Template::templateId))
                .collect(Collectors.groupingBy(Template::activityId, Collectors.toList()));
    }

    public static Catalog empty() {
        return new Catalog(Map.of(), Map.of());
    }

    /** The snapshot of what the catalog's owner read. */
    public static Catalog of(CatalogStore.Snapshot rows) {
        Map<String, Activity> activities = new HashMap<>();
        rows.activities().forEach(activity -> activities.put(activity.activityId(), activity));
        Map<String, Template> templates = new HashMap<>();
        rows.templates().forEach(template -> templates.put(template.templateId(), template));
        Map<String, Map<String, Rain>> rains = new HashMap<>();
        rows.rains().forEach(rain -> rains.computeIfAbsent(rain.parentActivityId(),
                parent -> new HashMap<>()).put(rain.rainId(), rain));
        return new Catalog(activities, templates, rains);
    }

    public Optional<Activity> activity(String activityId) {
        return Optional.ofNullable(activities.get(activityId));
    }

    /** The rain {@code rainId} declared for {@code parentActivityId}, if any. */
    public Optional<Rain> rain(String parentActivityId, String rainId) {
        return Optional.ofNullable(rainsByParent.getOrDefault(parentActivityId, Map.of())
                .get(rainId));
    }

    /** Every rain declared for {@code parentActivityId}. */
    public Collection<Rain> rains(String parentActivityId) {
        return rainsByParent.getOrDefault(parentActivityId, Map.of()).values();
    }

    public Optional<Template> template(String templateId) {
        return Optional.ofNullable(templates.get(templateId));
    }

    public Map<String, Template> templates() {
        return templates;
    }

    /** The child of {@code parent} for {@code stage}. */
    public Optional<Activity> child(Activity parent, Stage stage) {
        return activities.values().stream()
                .filter(activity -> parent.activityId().equals(activity.parentActivityId())
                        && activity.stage() == stage)
                .findFirst();
    }

    /**
     * The template a grab starts from: of the child's active templates with the requested award
     * type (any type when null), the first by id that no other template falls back to. A
     * fallback template is never an entry: it is only reached by falling back to it.
     */
    public Optional<Template> entryTemplate(Activity child, String awardType) {
        List<Template> candidates = templatesByActivity.getOrDefault(child.activityId(), List.of())
                .stream().filter(Template::active)
                .filter(template -> awardType == null || template.awardType().equals(awardType))
                .toList();
        Set<String> fallbackTargets = new HashSet<>();
        templatesByActivity.getOrDefault(child.activityId(), List.of())
                .forEach(template -> {
                    if (template.fallbackTemplateId() != null) {
                        fallbackTargets.add(template.fallbackTemplateId());
                    }
                });
        return candidates.stream()
                .filter(template -> !fallbackTargets.contains(template.templateId()))
                .findFirst();
    }

    /** The template and its fallbacks, in order, without repeats, at most FALLBACK_DEPTH_MAX. */
    public List<Template> fallbackChain(Template entry) {
        List<Template> chain = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Template current = entry;
        while (current != null && chain.size() < FALLBACK_DEPTH_MAX
                && seen.add(current.templateId())) {
            if (current.active()) {
                chain.add(current);
            }
            current = current.fallbackTemplateId() == null ? null
                    : templates.get(current.fallbackTemplateId());
        }
        return chain;
    }
}
