package dev.redrain.monitor;

import dev.redrain.core.activity.Outcome;
import dev.redrain.core.event.TokenIssued;
import java.util.ArrayList;
import java.util.List;

/**
 * What one grab means for one template's budget. A grab yields one observation for the
 * template that paid (its spend) and, when a fallback paid, a second one for the template that
 * was asked for (its outcome mix). A Flink POJO: public fields, no-argument constructor.
 */
public class Observation {
    public String activityId;
    public String stage;
    public String templateId;
    public long eventTimeMs;
    /** Minor units this template paid; 0 when it paid nothing. */
    public long spendMinor;
    /** 1 when this template paid an award. */
    public int paidCount;
    /** AWARDED, FALLBACK or EMPTY when this template was the one asked for; else null. */
    public String askedOutcome;

    public Observation() {
    }

    Observation(String activityId, String stage, String templateId, long eventTimeMs,
            long spendMinor, int paidCount, String askedOutcome) {
        this.activityId = activityId;
        this.stage = stage;
        this.templateId = templateId;
        this.eventTimeMs = eventTimeMs;
        this.spendMinor = spendMinor;
        this.paidCount = paidCount;
        this.askedOutcome = askedOutcome;
    }

    /** The key the monitor's state lives under: activity, stage and template. */
    public String key() {
        return key(activityId, stage, templateId);
    }

    static String key(String activityId, String stage, String templateId) {
        return activityId + "|" + stage + "|" + templateId;
    }

    /** Template id of a key made by {@link #key}. */
    static String templateOf(String key) {
        return key.substring(key.lastIndexOf('|') + 1);
    }

    /** The observations of one TokenIssued event (AWARDED, FALLBACK and EMPTY all count). */
    public static List<Observation> of(TokenIssued event) {
        long at = event.issuedAt().toEpochMilli();
        String stage = event.stage().name();
        List<Observation> out = new ArrayList<>(2);
        if (event.outcome() == Outcome.EMPTY) {
            out.add(new Observation(event.activityId(), stage, event.templateId(), at, 0, 0,
                    Outcome.EMPTY.name()));
        } else if (event.outcome() == Outcome.AWARDED
                || event.templateId().equals(event.requestedTemplateId())) {
            out.add(new Observation(event.activityId(), stage, event.templateId(), at,
                    event.amountMinor(), 1, event.outcome().name()));
        } else {
            out.add(new Observation(event.activityId(), stage, event.templateId(), at,
                    event.amountMinor(), 1, null));
            out.add(new Observation(event.activityId(), stage, event.requestedTemplateId(), at,
                    0, 0, Outcome.FALLBACK.name()));
        }
        return out;
    }
}
