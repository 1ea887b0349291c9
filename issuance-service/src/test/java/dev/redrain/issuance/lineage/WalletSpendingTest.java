package dev.redrain.issuance.lineage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.ledger.LedgerReads.WalletMovement;
import dev.redrain.issuance.lineage.WalletSpending.Portion;
import dev.redrain.issuance.lineage.WalletSpending.Spending;
import java.util.List;
import org.junit.jupiter.api.Test;

class WalletSpendingTest {
    private static WalletMovement credit(String outTradeNo, long amountMinor) {
        return new WalletMovement(outTradeNo, "TOKEN_CREDIT", amountMinor);
    }

    private static WalletMovement debit(String outTradeNo, long amountMinor) {
        return new WalletMovement(outTradeNo, "WITHDRAWAL", -amountMinor);
    }

    private static WalletMovement reversal(String debit, long amountMinor) {
        return new WalletMovement(debit + "-R", "WITHDRAWAL_REVERSAL", amountMinor);
    }

    @Test
    void theOldestCreditIsSpentFirstAndACreditMaySpanTwoWithdrawals() {
        List<WalletMovement> wallet = List.of(credit("A", 50), credit("B", 80),
                debit("WD-1-1", 70), debit("WD-2-1", 40));
        assertThat(WalletSpending.of(wallet, "A")).isEqualTo(new Spending(true,
                List.of(new Portion("WD-1-1", 50)), 0));
        assertThat(WalletSpending.of(wallet, "B")).isEqualTo(new Spending(true,
                List.of(new Portion("WD-1-1", 20), new Portion("WD-2-1", 40)), 20));
    }

    @Test
    void aReversedDebitGivesBackWhatItTookToTheNextDebit() {
        List<WalletMovement> wallet = List.of(credit("A", 50), debit("WD-1-1", 50),
                reversal("WD-1-1", 50), credit("B", 10), debit("WD-1-2", 50));
        assertThat(WalletSpending.of(wallet, "A")).isEqualTo(new Spending(true,
                List.of(new Portion("WD-1-2", 50)), 0));
        assertThat(WalletSpending.of(wallet, "B").unspentMinor()).isEqualTo(10);
    }

    @Test
    void aPayoutTheBankSentBackReturnsTheCreditAndAPartReturnIsACreditOfItsOwn() {
        List<WalletMovement> returned = List.of(credit("A", 50), debit("WD-1-1", 50),
                new WalletMovement("WD-1-1-RET", "WITHDRAWAL_REVERSAL", 50));
        assertThat(WalletSpending.of(returned, "A")).isEqualTo(new Spending(true, List.of(),
                50));
        List<WalletMovement> part = List.of(credit("A", 50), debit("WD-1-1", 50),
                new WalletMovement("WD-1-1-RET", "WITHDRAWAL_REVERSAL", 20));
        assertThat(WalletSpending.of(part, "A")).isEqualTo(new Spending(true,
                List.of(new Portion("WD-1-1", 50)), 0));
    }

    @Test
    void aCreditTheWalletNeverReceivedIsNotCredited() {
        assertThat(WalletSpending.of(List.of(credit("A", 5), debit("WD-1-1", 5)), "Z"))
                .isEqualTo(new Spending(false, List.of(), 0));
    }
}
