package dev.redrain.issuance.grab;

import dev.redrain.core.activity.Outcome;

/**
 * The answer to one idempotency key, stored in Redis so every retry gets the same one.
 * EMPTY has no award, token or outTradeNo.
 */
public record GrabAnswer(
        Outcome outcome,
        String templateId,
        String awardType,
        long amountMinor,
        String currency,
        String outTradeNo,
        String token,
        String actId) {

    private static final String EMPTY_FIELD = "-";

    /** Every field is an identifier, a number or base64url: none contains '|'. */
    String encode() {
        return String.join("|", outcome.name(), templateId, awardType, Long.toString(amountMinor),
                currency, orDash(outTradeNo), orDash(token), actId);
    }

    static GrabAnswer decode(String encoded) {
        String[] parts = encoded.split("\\|", -1);
        if (parts.length != 8) {
            throw new IllegalStateException("stored grab answer has " + parts.length + " fields");
        }
        return new GrabAnswer(Outcome.valueOf(parts[0]), parts[1], parts[2],
                Long.parseLong(parts[3]), parts[4], dashToNull(parts[5]), dashToNull(parts[6]),
                parts[7]);
    }

    private static String orDash(String value) {
        return value == null ? EMPTY_FIELD : value;
    }

    private static String dashToNull(String value) {
        return EMPTY_FIELD.equals(value) ? null : value;
    }
}
