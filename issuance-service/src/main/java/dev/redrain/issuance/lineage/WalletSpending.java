package dev.redrain.issuance.lineage;

import dev.redrain.core.ledger.LedgerReads.WalletMovement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which withdrawals spent a credit, first in, first out. A wallet's money is fungible, so the
 * ledger links no credit to the withdrawal that spent it; this attribution does, by replaying
 * the wallet's movements in the order the ledger applied them: each credit joins the queue,
 * each withdrawal's debit takes from its head, and a debit's reversal (the channel refused it,
 * or the bank sent the payout back) puts what it took back at the head, as if that debit had
 * never been made. A part returned is a credit of its own.
 */
final class WalletSpending {
    /** Part of the credit a withdrawal's debit took. */
    record Portion(String debitOutTradeNo, long amountMinor) {
    }

    /**
     * @param credited whether the wallet holds the credit at all
     * @param spentBy the debits that took part of it, still standing (not reversed)
     * @param unspentMinor what of it is still in the wallet
     */
    record Spending(boolean credited, List<Portion> spentBy, long unspentMinor) {
    }

    /** Part of one credit, still in the wallet or taken by a debit. */
    private static final class Lot {
        final String credit;
        long amountMinor;

        Lot(String credit, long amountMinor) {
            this.credit = credit;
            this.amountMinor = amountMinor;
        }
    }

    private WalletSpending() {
    }

    static Spending of(List<WalletMovement> movements, String creditOutTradeNo) {
        Deque<Lot> wallet = new ArrayDeque<>();
        Map<String, List<Lot>> taken = new LinkedHashMap<>();
        boolean credited = false;
        for (WalletMovement movement : movements) {
            if (movement.amountMinor() > 0 && movement.isReversal()) {
                // WD-<id>-<n>-R: the channel refused; WD-<id>-<n>-RET: the bank sent it back.
                String debit = movement.outTradeNo().replaceFirst("-R(ET)?$", "");
                List<Lot> back = taken.get(debit);
                if (back == null || sumOf(back) != movement.amountMinor()) {
                    wallet.addLast(new Lot(movement.outTradeNo(), movement.amountMinor()));
                } else {
                    taken.remove(debit);
                    for (int i = back.size() - 1; i >= 0; i--) {
                        wallet.addFirst(back.get(i));
                    }
                }
            } else if (movement.amountMinor() > 0) {
                credited |= movement.outTradeNo().equals(creditOutTradeNo);
                wallet.addLast(new Lot(movement.outTradeNo(), movement.amountMinor()));
            } else {
                taken.put(movement.outTradeNo(), take(wallet, -movement.amountMinor()));
            }
        }
        List<Portion> spentBy = new ArrayList<>();
        taken.forEach((debit, lots) -> {
            long ofCredit = sumOf(lots, creditOutTradeNo);
            if (ofCredit > 0) {
                spentBy.add(new Portion(debit, ofCredit));
            }
        });
        return new Spending(credited, List.copyOf(spentBy), sumOf(wallet, creditOutTradeNo));
    }

    private static List<Lot> take(Deque<Lot> wallet, long amountMinor) {
        List<Lot> took = new ArrayList<>();
        long left = amountMinor;
        while (left > 0 && !wallet.isEmpty()) {
            Lot head = wallet.peekFirst();
            long part = Math.min(left, head.amountMinor);
            took.add(new Lot(head.credit, part));
            head.amountMinor -= part;
            left -= part;
            if (head.amountMinor == 0) {
                wallet.pollFirst();
            }
        }
        return took;
    }

    private static long sumOf(List<Lot> lots) {
        return lots.stream().mapToLong(lot -> lot.amountMinor).sum();
    }

    private static long sumOf(Iterable<Lot> lots, String credit) {
        long sum = 0;
        for (Lot lot : lots) {
            if (lot.credit.equals(credit)) {
                sum += lot.amountMinor;
            }
        }
        return sum;
    }
}
