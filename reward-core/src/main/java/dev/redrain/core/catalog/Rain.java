package dev.redrain.core.catalog;

import java.time.Instant;
import java.util.Map;

/**
 * A rain an operator declared for a parent activity: when it takes grabs, and its scenes, each
 * with the one award type it grants. Grabs can name nothing else.
 *
 * @param awardTypeByScene scene id to the award type its entry template grants
 */
public record Rain(String parentActivityId, String rainId, Instant opensAt, Instant closesAt,
        boolean cancelled, Map<String, String> awardTypeByScene) {

    public Rain {
        awardTypeByScene = Map.copyOf(awardTypeByScene);
    }

    /** True when the rain takes grabs at {@code now}: scheduled, and inside its window. */
    public boolean isOpen(Instant now) {
        return !cancelled && !now.isBefore(opensAt) && now.isBefore(closesAt);
    }
}
