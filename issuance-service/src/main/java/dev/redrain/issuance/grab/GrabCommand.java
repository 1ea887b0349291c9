package dev.redrain.issuance.grab;

/** A validated grab request; appId is the signed caller's. */
public record GrabCommand(String appId, String userId, String activityId, String sceneId,
        String rainId, String awardType) {
}
