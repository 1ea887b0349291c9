package dev.redrain.issuance.grab;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ids.IdempotencyKey;
import dev.redrain.core.keys.TokenHash;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** Reads a token's grab answer back from Redis, for the token lineage. */
@Component
public class GrabLookup {
    private final GrabRecords records;

    GrabLookup(GrabRecords records) {
        this.records = records;
    }

    /** The grab record's key part and the answer it holds, found from the token's hash. */
    public record Answered(String recordId, GrabAnswer answer) {
    }

    /**
     * The answer of the grab that issued the token whose Redis hash is {@code tokenHash}:
     * the record is named by the hash's user, parent activity, scene, rain and award type.
     * Empty when the hash does not name them or the record has expired. What the hash says is
     * only a pointer: the lineage shows the answer beside the hash, and the grant proof is what
     * makes either genuine.
     */
    public Optional<Answered> answerOf(Map<String, String> tokenHash) {
        String parent = tokenHash.get(TokenHash.PARENT_ACTIVITY_ID);
        String actId = tokenHash.get(TokenHash.ACT_ID);
        String scene = tokenHash.get(TokenHash.SCENE_ID);
        String rain = tokenHash.get(TokenHash.RAIN_ID);
        String awardType = tokenHash.get(TokenHash.AWARD_TYPE);
        if (parent == null || actId == null || scene == null || rain == null
                || awardType == null) {
            return Optional.empty();
        }
        String recordId;
        try {
            recordId = AdmittedGrab.recordId(parent, new IdempotencyKey(actId, scene, rain,
                    awardType, Stage.valueOf(tokenHash.getOrDefault(TokenHash.STAGE, ""))));
        } catch (IllegalArgumentException notOurs) {
            return Optional.empty(); // a hash that names no valid grab
        }
        return Optional.ofNullable(records.answer(actId, recordId))
                .map(answer -> new Answered(recordId, answer));
    }
}
