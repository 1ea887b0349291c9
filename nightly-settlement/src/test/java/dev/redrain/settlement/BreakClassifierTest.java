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
    void aTokenFundedInPartsMatchesWhenThePartsMakeItsAmountAndEachPartsFeeIsTheContracts() {
        BreakClassifier contract = new BreakClassifier(Set.of("CNY"),
                new dev.redrain.settlement.statement.FeeSchedule(6_000, 0, 0));
        Legs.Redis issued = new Legs.Redis("CREDITED", 500, "CNY", "A1", "act", "FORMAL",
                "CASH", Instant.EPOCH);
        Legs.Ledger booked = new Legs.Ledger(500, "CNY", "A1", "act", "FORMAL", "CASH");
        // 250 + 250 at 0.6%: 1.5 fen each, 2 each half up, 4 in all (the whole would owe 3).
        assertThat(contract.classify(new Legs("T-1", issued, booked, new Legs.Payment(2, 500,
                250, "CNY", 4, 0, 4L)))).isEmpty();
        // Charged as if paid whole: not the contract's fee for these parts.
        assertThat(contract.classify(new Legs("T-2", issued, booked, new Legs.Payment(2, 500,
                250, "CNY", 3, 0, 4L))).stream().map(Break::category))
                .containsExactly(Category.FEE_MISMATCH);
        // Parts short of the amount: the amount differs.
        assertThat(contract.classify(new Legs("T-3", issued, booked, new Legs.Payment(2, 450,
                250, "CNY", 4, 0, 4L))).stream().map(Break::category))
                .containsExactly(Category.AMOUNT_MISMATCH);
        // A line of the whole amount and another: a duplicate, as before.
        assertThat(contract.classify(new Legs("T-4", issued, booked, new Legs.Payment(2, 750,
                500, "CNY", 5, 0, 5L))).stream().map(Break::category))
                .containsExactly(Category.DUPLICATE);
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

    @Test
    void aPayoutInPartsMatchesWhenThePartsMakeTheWithdrawalAndEachPartsFeeIsTheContracts() {
        BreakClassifier contract = new BreakClassifier(Set.of("CNY"),
                new dev.redrain.settlement.statement.FeeSchedule(0, 10_000, 0));
        // 60 + 40 at 1%: 0.6 and 0.4 fen, 1 and 0 half up.
        assertThat(contract.classifyPayout(payout("PAID", new Legs.Payment(2, 100, 60, "CNY", 1,
                0, 1L)))).isEmpty();
        assertThat(contract.classifyPayout(payout("DEBITED", new Legs.Payment(2, 100, 60, "CNY",
                1, 0, 1L)))).as("an unknown answer, paid in parts").isEmpty();
        assertThat(contract.classifyPayout(payout("PAID", new Legs.Payment(2, 90, 50, "CNY", 1,
                0, 1L))).stream().map(Break::category)).containsExactly(Category.AMOUNT_MISMATCH);
        assertThat(contract.classifyPayout(payout("PAID", new Legs.Payment(2, 100, 60, "CNY", 2,
                0, 1L))).stream().map(Break::category)).containsExactly(Category.FEE_MISMATCH);
        // Returned whole by the bank and given back to the wallet: no break.
        assertThat(contract.classifyPayout(payout("REVERSED", new Legs.Payment(2, 100, 60, "CNY",
                1, 100, 1L)))).isEmpty();
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

    @Test
    void aFeeTheContractDoesNotGiveIsAFeeMismatchAndTheGrossStillMatches() {
        // 0.6% of 8.88 CNY is 5.328 fen: the contract's fee is 5 fen (half up).
        BreakClassifier contract = new BreakClassifier(Set.of("CNY"),
                new dev.redrain.settlement.statement.FeeSchedule(6_000, 0, 0));
        Legs agreed = legs(redis("CREDITED", 888), ledger(888), new Legs.Payment(1, 888, 888,
                "CNY", 5, 0));
        assertThat(contract.classify(agreed)).isEmpty();
        Legs overcharged = legs(redis("CREDITED", 888), ledger(888), new Legs.Payment(1, 888,
                888, "CNY", 9, 0));
        List<Break> breaks = contract.classify(overcharged);
        assertThat(breaks).extracting(Break::category, Break::legs, Break::amountMinor)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Category.FEE_MISMATCH,
                        "PAYMENT,CONTRACT", 4L));
        // Without a contract, any fee is one nobody agreed to.
        assertThat(categories(overcharged)).containsExactly(Category.FEE_MISMATCH);
    }

    @Test
    void aPayoutTheBankReturnedIsPayoutReturnedBesideItsMatchedLine() {
        Legs.Ledger paid = new Legs.Ledger(5_000, "CNY", "A1", null, null, "PAYOUT", "PAID");
        assertThat(onlyPayout(new Legs("P-1", null, paid, new Legs.Payment(1, 5_000, 5_000,
                "CNY", 0, 5_000)))).isEqualTo(new Expected(Category.PAYOUT_RETURNED,
                        "LEDGER,PAYMENT", 5_000));
        // Lines for the payout that hold no successful one: not paid, nothing to match.
        Legs.Ledger failed = new Legs.Ledger(2_000, "CNY", "A1", null, null, "PAYOUT",
                "PAYOUT_FAILED");
        assertThat(classifier.classifyPayout(new Legs("P-2", null, failed, new Legs.Payment(0,
                0, 0, "CNY", 0, 0)))).isEmpty();
        // Given back to the wallet by finance (REVERSED): out, back and returned, no break.
        Legs.Ledger givenBack = new Legs.Ledger(5_000, "CNY", "A1", null, null, "PAYOUT",
                "REVERSED");
        assertThat(classifier.classifyPayout(new Legs("P-1", null, givenBack, new Legs.Payment(
                1, 5_000, 5_000, "CNY", 0, 5_000)))).isEmpty();
        // ... but a reversed withdrawal the bank did not return in whole was paid out too.
        assertThat(classifier.classifyPayout(new Legs("P-3", null, givenBack, new Legs.Payment(
                1, 5_000, 5_000, "CNY", 0, 2_000))).stream().map(Break::category))
                .containsExactly(Category.PAID_NOT_CREDITED, Category.PAYOUT_RETURNED);
    }

    @Test
    void aBatchFeeIsCheckedAgainstTheContractAndAFeeForNothingIsAllMismatch() {
        BreakClassifier contract = new BreakClassifier(Set.of("CNY"),
                new dev.redrain.settlement.statement.FeeSchedule(0, 0, 100));
        assertThat(contract.classifyFee(new FeesQuery.FeeLeg("B-1", "CNY", true, false, 100)))
                .isEmpty();
        assertThat(contract.classifyFee(new FeesQuery.FeeLeg("B-2", "CNY", true, false, 0)))
                .extracting(Break::category, Break::amountMinor).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Category.FEE_MISMATCH, 100L));
        assertThat(contract.classifyFee(new FeesQuery.FeeLeg("X-9", "CNY", false, false, 300)))
                .extracting(Break::category, Break::amountMinor).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Category.FEE_MISMATCH, 300L));
        assertThat(contract.classifyFee(new FeesQuery.FeeLeg("P-1", "CNY", false, true, 300)))
                .isEmpty();
    }
}
