package dev.redrain.issuance.grab;

import dev.redrain.core.catalog.Activity;
import dev.redrain.core.catalog.Template;
import dev.redrain.core.ids.IdempotencyKey;
import java.time.Instant;
import java.util.List;

/**
 * A grab the service takes: every decision made before any budget moves. The client named only
 * the activity, rain and scene; the rest comes from the catalog and the user's account.
 *
 * @param child the parent's live stage
 * @param entry the template the scene's award type enters the fallback chain at
 * @param recordId the Redis record of {@code key}, scoped by the parent activity
 * @param chain the templates to try in order (the entry first unless fallback-only is on)
 * @param now when the grab arrived: the token's issue time and the caps' business day
 */
record AdmittedGrab(GrabCommand command, Activity parent, Activity child, Template entry,
        String actId, IdempotencyKey key, String recordId, List<Template> chain, Instant now) {

    AdmittedGrab {
        chain = List.copyOf(chain);
    }

    /**
     * The Redis record of a grab: one per user, rain, scene and award type of a parent
     * activity, whichever stage is live. The idempotency key also names the stage (the token
     * and the ledger carry it), but a rain still open when an operator switches stages is the
     * same rain: a user who tapped it before the switch gets that answer, not a second grant
     * from the next stage's budget. Scoped by the parent activity, since the published key
     * does not name it and two activities may use the same scene and rain names.
     */
    static String recordId(String parentActivityId, IdempotencyKey key) {
        return parentActivityId + ":" + String.join("_", key.actId(), key.sceneId(),
                key.rainId(), key.awardType());
    }
}
