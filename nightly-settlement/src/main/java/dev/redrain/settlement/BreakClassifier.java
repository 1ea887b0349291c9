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
}
