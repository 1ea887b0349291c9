package dev.redrain.core.catalog;

import dev.redrain.core.activity.Stage;
import java.time.Instant;
import java.util.Set;

/**
 * A row of the activity table: a parent (stage null, liveStage set) or one of its stage
 * children (stage set). Grabs name the parent; the parent's live stage picks the child.
 */
public record Activity(
        String activityId,
        String parentActivityId,
        String name,
        Stage stage,
        Stage liveStage,
        int grayPercent,
        Instant startsAt,
        Instant endsAt,
        String status,
        Set<String> allowList) {

    public Activity {
        allowList = Set.copyOf(allowList);
    }

    /** The id of a parent's child for {@code stage}: {@code <parent>-internal|-gray|-formal}. */
    public static String childId(String parentId, Stage stage) {
        return parentId + switch (stage) {
            case INTERNAL_TEST -> "-internal";
            case GRAY -> "-gray";
            case FORMAL -> "-formal";
        };
    }

    public boolean isParent() {
        return parentActivityId == null;
    }

    /** True when the activity takes grabs at {@code now}. */
    public boolean isLive(Instant now) {
        return "ACTIVE".equals(status) && !now.isBefore(startsAt) && now.isBefore(endsAt);
    }
}
