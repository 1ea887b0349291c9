package dev.redrain.settlement.statement;

/**
 * The fees the contract with the channel gives, which the settlement books as expected: a fee a
 * line carries that differs from these is a FEE_MISMATCH break (a fee nobody agreed to, or one
 * the channel forgot). Rates are in parts per million of the line's gross amount, rounded half
 * up to the minor unit, as channels round their fees; the batch fee is a fixed amount per payout
 * batch, in the batch currency's minor units.
 *
 * @param fundingFeePpm the fee on funding a credited token
 * @param payoutFeePpm the fee on one payout
 * @param batchFeeMinor the fee on a payout batch, charged on a FEE line of its own
 */
public record FeeSchedule(long fundingFeePpm, long payoutFeePpm, long batchFeeMinor) {
    private static final long PPM = 1_000_000;

    public static final FeeSchedule NONE = new FeeSchedule(0, 0, 0);

    public FeeSchedule {
        if (fundingFeePpm < 0 || fundingFeePpm > PPM || payoutFeePpm < 0 || payoutFeePpm > PPM
                || batchFeeMinor < 0) {
            throw new IllegalArgumentException("fee rates are 0 to 1,000,000 ppm and the batch"
                    + " fee is not negative");
        }
    }

    public long fundingFee(long grossMinor) {
        return rate(grossMinor, fundingFeePpm);
    }

    public long payoutFee(long grossMinor) {
        return rate(grossMinor, payoutFeePpm);
    }

    private static long rate(long grossMinor, long ppm) {
        return Math.addExact(Math.multiplyExact(grossMinor, ppm), PPM / 2) / PPM;
    }
}
