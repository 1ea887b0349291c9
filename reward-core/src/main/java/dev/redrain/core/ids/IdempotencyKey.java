package dev.redrain.core.ids;

import dev.redrain.core.activity.Stage;
import java.util.Objects;

/**
 * The grab idempotency key exactly as the published design has it:
 * {@code ${actID}_${scene_id}_${rain_id}_${award_type}_${stage}}. One user gets at most one
 * award per scene, rain, award type and stage; a retry with the same key gets the same answer.
 * The parts cannot contain '_' (see {@link Identifiers}), so the key is unambiguous.
 */
public record IdempotencyKey(String actId, String sceneId, String rainId, String awardType,
        Stage stage) {

    public IdempotencyKey {
        Identifiers.require("actId", actId);
        Identifiers.require("sceneId", sceneId);
        Identifiers.require("rainId", rainId);
        Identifiers.require("awardType", awardType);
        Objects.requireNonNull(stage, "stage");
    }

    public String value() {
        return actId + "_" + sceneId + "_" + rainId + "_" + awardType + "_" + stage.name();
    }

    /** Parses a key produced by {@link #value()}. */
    public static IdempotencyKey parse(String key) {
        // A limit of 5 keeps a stage name with an underscore (INTERNAL_TEST) whole.
        String[] parts = Objects.requireNonNull(key, "key").split("_", 5);
        if (parts.length != 5) {
            throw new IllegalArgumentException("an idempotency key has 5 parts, got: " + key);
        }
        return new IdempotencyKey(parts[0], parts[1], parts[2], parts[3], Stage.valueOf(parts[4]));
    }

    @Override
    public String toString() {
        return value();
    }
}
