package dev.redrain.settlement;

import dev.redrain.settlement.Break.Category;
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
 * A token the ledger's budget guard refused is OVER_BUDGET, and nothing else.
 * An outTradeNo has at most one break per category (AMOUNT_MISMATCH names every leg pair that
 * disagrees); none means MATCHED.
 */
public final class BreakClassifier {
    private final Set<String> cashCurrencies;

    public BreakClassifier(Set<String> cashCurrencies) {
        this.cashCurrencies = Set.copyOf(cashCurrencies);
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
        if (payment != null && payment.count() > 1) {
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
        } else if (ledger != null && payment != null && payment.count() == 1
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
        return breaks;
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
     *   <li>A different amount: AMOUNT_MISMATCH; more than one line: DUPLICATE.</li>
     * </ul>
     * A DEBITED withdrawal (the channel's answer was unknown) with a successful line is
     * consistent money (debited and paid); without one it is still pending: no break.
     */
    public List<Break> classifyPayout(Legs legs) {
        List<Break> breaks = new ArrayList<>(1);
        Legs.Ledger withdrawal = legs.ledger();
        Legs.Payment payment = legs.payment();
        String status = withdrawal == null ? null : withdrawal.status();
        if (payment != null && payment.count() > 1) {
            long once = withdrawal != null ? withdrawal.amountMinor() : payment.maxAmountMinor();
            breaks.add(new Break(legs, Category.DUPLICATE, "PAYMENT",
                    Math.max(1, payment.sumMinor() - once)));
        }
        boolean paidHere = "PAID".equals(status) || "DEBITED".equals(status);
        if ("PAID".equals(status) && payment == null) {
            breaks.add(new Break(legs, Category.CREDITED_NOT_PAID, "LEDGER,PAYMENT",
                    withdrawal.amountMinor()));
        } else if (payment != null && !paidHere) {
            breaks.add(new Break(legs, Category.PAID_NOT_CREDITED, "LEDGER,PAYMENT",
                    payment.sumMinor()));
        } else if (payment != null && payment.count() == 1
                && (payment.sumMinor() != withdrawal.amountMinor()
                        || !payment.currency().equals(withdrawal.currency()))) {
            breaks.add(new Break(legs, Category.AMOUNT_MISMATCH, "LEDGER,PAYMENT",
                    Math.max(1, Math.abs(payment.sumMinor() - withdrawal.amountMinor()))));
        }
        return breaks;
    }
}
