package dev.redrain.settlement;

import dev.redrain.settlement.Break.Category;
import dev.redrain.settlement.statement.FeeSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Classifies one outTradeNo's three legs. Pure: the whole reconciliation rule set, unit tested.
 *
 * <ul>
 *   <li>Redis and ledger: a token in Redis but not booked is ISSUED_NOT_CREDITED (whatever its
 *       Redis status: a CREDITED status ahead of the ledger is still unbooked money); booked
 *       without a token is CREDITED_NOT_ISSUED; both but a different amount or asset is
 *       AMOUNT_MISMATCH; both with Redis still ISSUED is STATUS_MISMATCH.</li>
 *   <li>Ledger and payment, for cash (withdrawable assets) only: booked but not funded is
 *       CREDITED_NOT_PAID; funded but not booked is PAID_NOT_CREDITED; a different amount is
 *       AMOUNT_MISMATCH; funded more than once is DUPLICATE.</li>
 * </ul>
 * A token the ledger's budget guard refused is OVER_BUDGET, and nothing else. A funding line
 * whose fee is not the contract's ({@link FeeSchedule}) is FEE_MISMATCH.
 * An outTradeNo has at most one break per category (AMOUNT_MISMATCH names every leg pair that
 * disagrees); none means MATCHED.
 */
public final class BreakClassifier {
    private final Set<String> cashCurrencies;
    private final FeeSchedule fees;

    public BreakClassifier(Set<String> cashCurrencies) {
        this(cashCurrencies, FeeSchedule.NONE);
    }

    public BreakClassifier(Set<String> cashCurrencies, FeeSchedule fees) {
        this.cashCurrencies = Set.copyOf(cashCurrencies);
        this.fees = fees;
    }

    public List<Break> classify(Legs legs) {
        List<Break> breaks = new ArrayList<>(2);
        Legs.Redis redis = legs.redis();
        Legs.Ledger ledger = legs.ledger();
        Legs.Payment payment = legs.payment();
        List<String> mismatch = new ArrayList<>(2);
        long mismatchMinor = 0;
        if (ledger != null && ledger.refused()) {
            // Not booked, on purpose: finance decides, the repair never books it.
            breaks.add(new Break(legs, Category.OVER_BUDGET, "REDIS,LEDGER",
                    redis != null ? redis.amountMinor() : ledger.amountMinor()));
            return breaks;
        }
        if (redis != null && ledger == null) {
            breaks.add(new Break(legs, Category.ISSUED_NOT_CREDITED, "REDIS,LEDGER",
                    redis.amountMinor()));
        } else if (redis == null && ledger != null) {
            breaks.add(new Break(legs, Category.CREDITED_NOT_ISSUED, "REDIS,LEDGER",
                    ledger.amountMinor()));
        } else if (redis != null) {
            if (redis.amountMinor() != ledger.amountMinor()
                    || !redis.currency().equals(ledger.currency())) {
                mismatch.add("REDIS,LEDGER");
                mismatchMinor = Math.max(mismatchMinor,
                        Math.abs(redis.amountMinor() - ledger.amountMinor()));
            }
            if ("ISSUED".equals(redis.status())) {
                breaks.add(new Break(legs, Category.STATUS_MISMATCH, "REDIS,LEDGER",
                        ledger.amountMinor()));
            }
        }
        boolean cash = cashCurrencies.contains(legs.currency());
        boolean parts = inParts(ledger, payment);
        if (payment != null && payment.count() > 1 && !parts) {
            long once = ledger != null ? ledger.amountMinor() : payment.maxAmountMinor();
            breaks.add(new Break(legs, Category.DUPLICATE, "PAYMENT",
                    Math.max(1, payment.sumMinor() - once)));
        }
        if (ledger != null && payment == null && cash) {
            breaks.add(new Break(legs, Category.CREDITED_NOT_PAID, "LEDGER,PAYMENT",
                    ledger.amountMinor()));
        } else if (ledger == null && payment != null) {
            breaks.add(new Break(legs, Category.PAID_NOT_CREDITED, "LEDGER,PAYMENT",
                    payment.sumMinor()));
        } else if (ledger != null && payment != null && (payment.count() == 1 || parts)
                && (payment.sumMinor() != ledger.amountMinor()
                        || !payment.currency().equals(ledger.currency()))) {
            mismatch.add("LEDGER,PAYMENT");
            mismatchMinor = Math.max(mismatchMinor,
                    Math.abs(payment.sumMinor() - ledger.amountMinor()));
        }
        if (!mismatch.isEmpty()) {
            breaks.add(new Break(legs, Category.AMOUNT_MISMATCH, String.join(";", mismatch),
                    Math.max(1, mismatchMinor)));
        }
        if (payment != null && payment.count() == 1) {
            feeBreak(legs, fees.fundingFee(payment.sumMinor()), breaks);
        } else if (parts && payment.contractFeeMinor() != null) {
            feeBreak(legs, payment.contractFeeMinor(), breaks); // each part's fee
        }
        return breaks;
    }

    /**
     * Funded (or paid out) in parts: several successful lines for one token or payout, each
     * smaller than it (a line of the whole amount, or more, makes the others duplicates).
     * Together they must make its amount; the contract's fee is each part's.
     */
    private static boolean inParts(Legs.Ledger ledger, Legs.Payment payment) {
        return ledger != null && payment != null && payment.count() > 1
                && payment.maxAmountMinor() < ledger.amountMinor()
                && payment.currency().equals(ledger.currency());
    }

    /** The fee the channel charged against the contract's. */
    private static void feeBreak(Legs legs, long contractFeeMinor, List<Break> breaks) {
        long chargedMinor = legs.payment().feeMinor();
        if (chargedMinor != contractFeeMinor) {
            breaks.add(new Break(legs, Category.FEE_MISMATCH, "PAYMENT,CONTRACT",
                    Math.abs(chargedMinor - contractFeeMinor)));
        }
    }

    /**
     * A withdrawal's payout against the channel's PAYOUT lines. The ledger leg is the
     * withdrawal (its amount and status); the payment leg the
     * channel's successful lines for the payout id.
     *
     * <ul>
     *   <li>PAID, but no successful line: CREDITED_NOT_PAID (the wallet was debited and the
     *       channel shows no transfer).</li>
     *   <li>A successful line, but the withdrawal is unknown, failed or reversed:
     *       PAID_NOT_CREDITED (money left through the channel that the wallet still holds, or
     *       for an attempt we think failed).</li>
     *   <li>A different amount: AMOUNT_MISMATCH; more than one line: DUPLICATE, unless the
     *       channel paid it in parts (each line smaller than the withdrawal), whose lines must
     *       make its amount.</li>
     * </ul>
     * A DEBITED withdrawal (the channel's answer was unknown) with a successful line is
     * consistent money (debited and paid); without one it is still pending: no break. A fee
     * that is not the contract's is FEE_MISMATCH; money the bank returned (a REFUND line) is
     * PAYOUT_RETURNED, for finance to give back to the wallet; once given back (REVERSED), a
     * payout returned whole is no break.
     */
    public List<Break> classifyPayout(Legs legs) {
        List<Break> breaks = new ArrayList<>(1);
        Legs.Ledger withdrawal = legs.ledger();
        Legs.Payment lines = legs.payment();
        // The payment leg holds the payout's successful lines, its fees and its refunds: it is
        // "paid" only with a successful line.
        Legs.Payment payment = lines != null && lines.count() > 0 ? lines : null;
        String status = withdrawal == null ? null : withdrawal.status();
        boolean parts = inParts(withdrawal, payment);
        if (payment != null && payment.count() > 1 && !parts) {
            long once = withdrawal != null ? withdrawal.amountMinor() : payment.maxAmountMinor();
            breaks.add(new Break(legs, Category.DUPLICATE, "PAYMENT",
                    Math.max(1, payment.sumMinor() - once)));
        }
        boolean paidHere = "PAID".equals(status) || "DEBITED".equals(status);
        if (returnedWhole(withdrawal, lines)) {
            return breaks; // paid, sent back by the bank, and given back to the wallet
        }
        if ("PAID".equals(status) && payment == null) {
            breaks.add(new Break(legs, Category.CREDITED_NOT_PAID, "LEDGER,PAYMENT",
                    withdrawal.amountMinor()));
        } else if (payment != null && !paidHere) {
            breaks.add(new Break(legs, Category.PAID_NOT_CREDITED, "LEDGER,PAYMENT",
                    payment.sumMinor()));
        } else if (payment != null && (payment.count() == 1 || parts)
                && (payment.sumMinor() != withdrawal.amountMinor()
                        || !payment.currency().equals(withdrawal.currency()))) {
            breaks.add(new Break(legs, Category.AMOUNT_MISMATCH, "LEDGER,PAYMENT",
                    Math.max(1, Math.abs(payment.sumMinor() - withdrawal.amountMinor()))));
        }
        if (payment != null && payment.count() == 1) {
            feeBreak(legs, fees.payoutFee(payment.sumMinor()), breaks);
        } else if (parts && payment.contractFeeMinor() != null) {
            feeBreak(legs, payment.contractFeeMinor(), breaks); // each part's fee
        }
        if (lines != null && lines.refundedMinor() > 0) {
            breaks.add(new Break(legs, Category.PAYOUT_RETURNED, "LEDGER,PAYMENT",
                    lines.refundedMinor()));
        }
        return breaks;
    }

    /**
     * A payout the bank returned whole that finance gave back to the wallet (REVERSED): one
     * successful line (or its parts), and refunds of all of it. Consistent money: out, back, and returned.
     */
    private static boolean returnedWhole(Legs.Ledger withdrawal, Legs.Payment lines) {
        return withdrawal != null && "REVERSED".equals(withdrawal.status()) && lines != null
                && (lines.count() == 1 || inParts(withdrawal, lines))
                && lines.sumMinor() == withdrawal.amountMinor()
                && lines.refundedMinor() == withdrawal.amountMinor();
    }

    /**
     * A fee on a line of its own that names no token: a payout batch's fee against the
     * contract's batch fee (FEE_MISMATCH when they differ, a fee the contract gives but the
     * channel did not charge included), a fee that names nothing the channel did for us
     * (FEE_MISMATCH for all of it). A fee naming a payout is {@link #classifyPayout}'s.
     */
    public List<Break> classifyFee(FeesQuery.FeeLeg fee) {
        if (fee.payout() || fee.currency() == null) {
            return List.of();
        }
        long contractMinor = fee.batch() ? fees.batchFeeMinor() : 0;
        if (fee.chargedMinor() == contractMinor) {
            return List.of();
        }
        Legs legs = new Legs(fee.reference(), null, null, new Legs.Payment(0, 0, 0,
                fee.currency(), fee.chargedMinor(), 0));
        return List.of(new Break(legs, Category.FEE_MISMATCH, "PAYMENT,CONTRACT",
                Math.abs(fee.chargedMinor() - contractMinor)));
    }
}
