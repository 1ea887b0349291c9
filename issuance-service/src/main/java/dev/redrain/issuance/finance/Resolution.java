package dev.redrain.issuance.finance;

import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;

/** Why finance closed a break: the reason codes of runbooks/finance-review.md. */
enum Resolution {
    /** The counterpart arrives later (a bill's next day, a payout in flight). */
    TIMING,
    /** The channel got it wrong: claimed back from the channel, outside the ledger. */
    CHANNEL_ERROR,
    /** Accepted as a loss: nobody will recover the money. */
    WRITTEN_OFF,
    /** Fixed by a corrective journal a second reviewer approved (set when it is posted). */
    CORRECTED_BY_JOURNAL;

    static Resolution parse(String code) {
        for (Resolution resolution : values()) {
            if (resolution.name().equals(code)) {
                return resolution;
            }
        }
        throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "resolution must be TIMING,"
                + " CHANNEL_ERROR or WRITTEN_OFF (CORRECTED_BY_JOURNAL comes from a posted"
                + " journal)");
    }
}
