package dev.redrain.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.settlement.Break.Category;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BreakClassifierTest {
    private static final String NO = "202611250000000000007K2M9QX4TB";
    private final BreakClassifier classifier = new BreakClassifier(Set.of("CNY"));

    @Test
    void threeAgreeingLegsAreMatched() {
        assertThat(classifier.classify(legs(redis("CREDITED", 500), ledger(500),
                payment(1, 500)))).isEmpty();
    }

    @Test
    void aNonCashTokenNeedsNoPayment() {
        Legs coupon = new Legs(NO, new Legs.Redis("CREDITED", 1, "CPN", "A1", "act", "FORMAL",
                "COUPON", Instant.EPOCH), new Legs.Ledger(1, "CPN", "A1", "act", "FORMAL",
                        "COUPON"), null);
        assertThat(classifier.classify(coupon)).isEmpty();
    }

    @Test
    void aTokenNotBookedIsIssuedNotCreditedEvenWhenRedisSaysCredited() {
        assertThat(only(legs(redis("ISSUED", 500), null, null)))
                .isEqualTo(new Expected(Category.ISSUED_NOT_CREDITED, "REDIS,LEDGER", 500));
        assertThat(only(legs(redis("CREDITED", 500), null, null)).category())
                .isEqualTo(Category.ISSUED_NOT_CREDITED);
    }

    @Test
    void aBookingWithoutATokenIsCreditedNotIssued() {
        assertThat(categories(legs(null, ledger(700), payment(1, 700))))
                .containsExactly(Category.CREDITED_NOT_ISSUED);
    }

    @Test
    void redisStillIssuedWhileBookedIsAStatusMismatch() {
        assertThat(only(legs(redis("ISSUED", 500), ledger(500), payment(1, 500))))
                .isEqualTo(new Expected(Category.STATUS_MISMATCH, "REDIS,LEDGER", 500));
    }

    @Test
    void bookedCashWithoutFundingIsCreditedNotPaidAndTheReverseIsPaidNotCredited() {
        assertThat(only(legs(redis("CREDITED", 500), ledger(500), null)))
                .isEqualTo(new Expected(Category.CREDITED_NOT_PAID, "LEDGER,PAYMENT", 500));
        assertThat(categories(legs(null, null, payment(1, 300))))
                .containsExactly(Category.PAID_NOT_CREDITED);
    }

    @Test
    void amountMismatchNamesEveryLegPairThatDisagrees() {
        assertThat(only(legs(redis("CREDITED", 500), ledger(500), payment(1, 450))))
                .isEqualTo(new Expected(Category.AMOUNT_MISMATCH, "LEDGER,PAYMENT", 50));
        assertThat(only(legs(redis("CREDITED", 520), ledger(500), payment(1, 450))))
                .isEqualTo(new Expected(Category.AMOUNT_MISMATCH, "REDIS,LEDGER;LEDGER,PAYMENT",
                        50));
    }

    @Test
    void fundedTwiceIsADuplicateOfTheExtraMoney() {
        assertThat(only(legs(redis("CREDITED", 500), ledger(500), payment(2, 1_000))))
                .isEqualTo(new Expected(Category.DUPLICATE, "PAYMENT", 500));
    }

    @Test
    void aPaidWithdrawalNeedsExactlyOneMatchingPayoutLine() {
        assertThat(classifier.classifyPayout(payout("PAID", payment(1, 100)))).isEmpty();
        assertThat(classifier.classifyPayout(payout("DEBITED", payment(1, 100)))).isEmpty();
        assertThat(classifier.classifyPayout(payout("DEBITED", null))).as("still pending")
                .isEmpty();
        assertThat(onlyPayout(payout("PAID", null))).isEqualTo(
                new Expected(Category.CREDITED_NOT_PAID, "LEDGER,PAYMENT", 100));
        assertThat(onlyPayout(payout("REVERSED", payment(1, 100)))).isEqualTo(
                new Expected(Category.PAID_NOT_CREDITED, "LEDGER,PAYMENT", 100));
        assertThat(onlyPayout(new Legs("PO-9-1", null, null, payment(1, 70)))).isEqualTo(
                new Expected(Category.PAID_NOT_CREDITED, "LEDGER,PAYMENT", 70));
        assertThat(onlyPayout(payout("PAID", payment(1, 90)))).isEqualTo(
                new Expected(Category.AMOUNT_MISMATCH, "LEDGER,PAYMENT", 10));
        assertThat(onlyPayout(payout("PAID", payment(2, 200)))).isEqualTo(
                new Expected(Category.DUPLICATE, "PAYMENT", 100));
    }

    private static Legs payout(String status, Legs.Payment payment) {
        return new Legs("PO-1-1", null, new Legs.Ledger(100, "CNY", "A1", null, null, "PAYOUT",
                status), payment);
    }

    private Expected onlyPayout(Legs legs) {
        List<Break> breaks = classifier.classifyPayout(legs);
        assertThat(breaks).hasSize(1);
        return new Expected(breaks.get(0).category(), breaks.get(0).legs(),
                breaks.get(0).amountMinor());
    }

    private record Expected(Category category, String legs, long amountMinor) {
    }

    private Expected only(Legs legs) {
        List<Break> breaks = classifier.classify(legs);
        assertThat(breaks).hasSize(1);
        return new Expected(breaks.get(0).category(), breaks.get(0).legs(),
                breaks.get(0).amountMinor());
    }

    private List<Category> categories(Legs legs) {
        return classifier.classify(legs).stream().map(Break::category).toList();
    }

    private static Legs legs(Legs.Redis redis, Legs.Ledger ledger, Legs.Payment payment) {
        return new Legs(NO, redis, ledger, payment);
    }

    private static Legs.Redis redis(String status, long amount) {
        return new Legs.Redis(status, amount, "CNY", "A1", "act-formal", "FORMAL", "CASH",
                Instant.EPOCH);
    }

    private static Legs.Ledger ledger(long amount) {
        return new Legs.Ledger(amount, "CNY", "A1", "act-formal", "FORMAL", "CASH");
    }

    private static Legs.Payment payment(int count, long sum) {
        return new Legs.Payment(count, sum, sum / count, "CNY");
    }

    @Test
    void aTokenTheLedgerRefusedIsOverBudgetAndNothingElse() {
        Legs legs = new Legs("OT-refused", new Legs.Redis("ISSUED", 500, "CNY", "A1", "act",
                "FORMAL", "CASH", null), new Legs.Ledger(500, "CNY", "A1", "act", "FORMAL",
                        "CASH", Legs.REFUSED_OVER_BUDGET), null);
        List<Break> breaks = new BreakClassifier(java.util.Set.of("CNY")).classify(legs);
        assertThat(breaks).hasSize(1);
        assertThat(breaks.get(0).category()).isEqualTo(Break.Category.OVER_BUDGET);
        assertThat(breaks.get(0).amountMinor()).isEqualTo(500);
        assertThat(breaks.get(0).category().owner()).isEqualTo("FINANCE");
        assertThat(breaks.get(0).category().isSafeToRepair()).isFalse();
    }
}
