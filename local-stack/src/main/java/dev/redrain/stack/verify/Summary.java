package dev.redrain.stack.verify;

import dev.redrain.core.ledger.LedgerAudit;
import dev.redrain.core.ledger.LedgerReads;
import dev.redrain.core.money.Money;
import dev.redrain.issuance.wallet.WithdrawalReads;
import dev.redrain.monitor.AlertReads;
import dev.redrain.settlement.SettlementReads;
import dev.redrain.stack.channel.PaymentChannel;
import dev.redrain.stack.load.Rain;
import java.io.PrintStream;
import java.sql.Connection;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * The end of a demo: is every fen accounted for? Granted (the service's proven awards in the
 * durable record, read by the harness: {@link GrantRecord}) = received (what clients were
 * answered) = credited (the ledger) = paid (the
 * channel's statement as the settlement imported it), per currency; the ledger balances and
 * every wallet equals the sum of its entries; every break the settlement found was caused by
 * an injected fault, and every injected fault was found.
 */
public record Summary(LocalDate businessDate, Map<String, long[]> granted, Map<String, long[]> received,
        Map<String, long[]> credited, Map<String, Long> creditedBySource,
        Map<String, long[]> funded, long withdrawalsPaidMinor, long payoutsStatedMinor,
        long unbalancedJournals, Map<String, Long> ledgerTotals, long walletsOff,
        Map<String, Long> breaksByCategory, List<String> unexplainedBreaks,
        List<String> missedFaults, int injectedFaults, Map<String, Long> alertsByRule,
        int settlementExit, String reportPath, Set<String> cashCurrencies) {

    /** The conservation verdict and, when it fails, why. */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        for (String currency : union(granted.keySet(), received.keySet(), credited.keySet())) {
            long grantedMinor = amount(granted, currency);
            if (amount(received, currency) != grantedMinor) {
                problems.add(currency + ": clients received " + amount(received, currency)
                        + " but the service granted " + grantedMinor);
            }
            if (amount(credited, currency) != grantedMinor) {
                problems.add(currency + ": the ledger credited " + amount(credited, currency)
                        + " but the service granted " + grantedMinor);
            }
            if (cashCurrencies.contains(currency) && injectedFaults == 0
                    && amount(funded, currency) != amount(credited, currency)) {
                problems.add(currency + ": the channel funded " + amount(funded, currency)
                        + " but the ledger credited " + amount(credited, currency));
            }
        }
        if (injectedFaults == 0 && withdrawalsPaidMinor != payoutsStatedMinor) {
            problems.add("withdrawals paid " + withdrawalsPaidMinor + " but the statement has "
                    + payoutsStatedMinor + " of payouts");
        }
        if (unbalancedJournals > 0) {
            problems.add(unbalancedJournals + " journals whose entries do not add up to zero");
        }
        ledgerTotals.forEach((currency, total) -> {
            if (total != 0) {
                problems.add("ledger entries in " + currency + " add up to " + total
                        + ", not zero");
            }
        });
        if (walletsOff > 0) {
            problems.add(walletsOff + " accounts whose balance is not the sum of their entries");
        }
        unexplainedBreaks.forEach(b -> problems.add("break not caused by a fault: " + b));
        missedFaults.forEach(f -> problems.add("injected fault the settlement missed: " + f));
        if (settlementExit != 0) {
            problems.add("the settlement exited " + settlementExit);
        }
        return problems;
    }

    public boolean conserved() {
        return problems().isEmpty();
    }

    /** @param granted count and amount of the awards the durable record proves, by currency */
    static Summary collect(DataSource dataSource, Map<String, long[]> granted,
            Collection<Rain.Received> tokens, PaymentChannel channel, LocalDate date,
            int settlementExit, Set<String> cash) throws Exception {
        Map<String, long[]> received = new TreeMap<>();
        tokens.forEach(t -> add(received, t.currency(), 1, t.amountMinor()));
        try (Connection connection = dataSource.getConnection()) {
            LedgerReads ledger = new LedgerReads();
            LedgerAudit audit = new LedgerAudit();
            SettlementReads settlement = new SettlementReads();
            Map<String, long[]> credited = new TreeMap<>();
            ledger.tokenCreditsByCurrency(connection).forEach((currency, tally) -> add(credited,
                    currency, tally.count(), tally.amountMinor()));
            Map<String, Long> bySource = ledger.tokenCreditCountsBySource(connection);
            Map<String, long[]> funded = new TreeMap<>();
            settlement.fundedByCurrency(connection).forEach((currency, tally) -> add(funded,
                    currency, tally.count(), tally.amountMinor()));
            long withdrawn = new WithdrawalReads().paidMinor(connection);
            long payouts = settlement.paidOutMinor(connection);
            long unbalanced = audit.unbalancedJournals(connection);
            Map<String, Long> totals = audit.entryTotalsByCurrency(connection);
            long walletsOff = audit.accountsOffTheirEntries(connection);
            List<String[]> breaks = settlement.breaksSeenOn(connection, date).stream()
                    .map(line -> new String[] {line.outTradeNo(), line.category(), line.legs(),
                        line.status()}).toList();
            Map<String, Long> byCategory = new TreeMap<>();
            breaks.forEach(b -> byCategory.merge(b[1], 1L, Long::sum));
            List<String> unexplained = new ArrayList<>();
            List<String> missed = new ArrayList<>();
            explain(breaks, channel.faults(), unexplained, missed);
            Map<String, Long> alerts = new AlertReads().countsByRule(connection);
            String report = settlement.reportFile(connection, date, "report.html").orElse(null);
            return new Summary(date, granted, received, credited, bySource, funded, withdrawn,
                    payouts, unbalanced, totals, walletsOff, byCategory, unexplained, missed,
                    channel.faults().size(), alerts, settlementExit, report, cash);
        }
    }

    /** Each injected fault must be a break of its category, and each break a fault. */
    private static void explain(List<String[]> breaks, Collection<PaymentChannel.Fault> faults,
            List<String> unexplained, List<String> missed) {
        Map<String, String> expected = new TreeMap<>();
        for (PaymentChannel.Fault fault : faults) {
            expected.put(fault.outTradeNo(), "DROPPED".equals(fault.fault())
                    ? "CREDITED_NOT_PAID" : "AMOUNT_MISMATCH");
        }
        Set<String> found = new TreeSet<>();
        for (String[] b : breaks) {
            if (b[1].equals(expected.get(b[0]))) {
                found.add(b[0]);
            } else {
                unexplained.add(b[1] + " " + b[0] + " (" + b[2] + ", " + b[3] + ")");
            }
        }
        expected.forEach((outTradeNo, category) -> {
            if (!found.contains(outTradeNo)) {
                missed.add(category + " " + outTradeNo);
            }
        });
    }

    void print(PrintStream out) {
        out.println();
        out.println("Summary, business date " + businessDate);
        for (String currency : union(granted.keySet(), received.keySet(), credited.keySet())) {
            out.printf("  %-4s granted %s (%d tokens) | received by clients %s | credited %s |"
                    + " paid by the channel %s%n", currency, Money.of(amount(granted, currency),
                            currency).display(), count(granted, currency),
                    Money.of(amount(received, currency), currency).display(),
                    Money.of(amount(credited, currency), currency).display(),
                    cashCurrencies.contains(currency) ? Money.of(amount(funded, currency),
                            currency).display() : "(not cash)");
        }
        out.println("  credited by: " + creditedBySource);
        out.printf("  withdrawals paid %s; payouts on the statement %s%n",
                Money.of(withdrawalsPaidMinor, "CNY").display(), Money.of(payoutsStatedMinor, "CNY").display());
        out.println("  ledger: " + (unbalancedJournals == 0 && ledgerTotals.values().stream()
                .allMatch(total -> total == 0) ? "balanced (debits = credits, per journal and"
                + " overall)" : "NOT balanced") + "; " + (walletsOff == 0
                ? "every account's balance = the sum of its entries"
                : walletsOff + " accounts off"));
        out.println("  breaks: " + (breaksByCategory.isEmpty() ? "none" : breaksByCategory)
                + (injectedFaults > 0 ? " (" + injectedFaults + " faults injected by the"
                        + " channel; " + (missedFaults.isEmpty() ? "the settlement named every"
                                + " one" : missedFaults.size() + " not found") + ")" : ""));
        out.println("  alerts: " + (alertsByRule.isEmpty() ? "none" : alertsByRule));
        out.println("  settlement exit " + settlementExit + ", report: "
                + (reportPath == null ? "(none)" : reportPath));
        List<String> problems = problems();
        if (problems.isEmpty()) {
            out.println(injectedFaults == 0
                    ? "MONEY CONSERVED: granted = received = credited = paid, to the fen."
                    : "MONEY CONSERVED: granted = received = credited; every difference with"
                            + " the channel is a break the settlement names, caused by an"
                            + " injected fault.");
        } else {
            out.println("MONEY NOT CONSERVED:");
            problems.forEach(problem -> out.println("  - " + problem));
        }
    }

    private static long amount(Map<String, long[]> sums, String currency) {
        long[] value = sums.get(currency);
        return value == null ? 0 : value[1];
    }

    private static long count(Map<String, long[]> sums, String currency) {
        long[] value = sums.get(currency);
        return value == null ? 0 : value[0];
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> all = new TreeSet<>();
        for (Set<String> set : sets) {
            all.addAll(set);
        }
        return all;
    }

    private static void add(Map<String, long[]> sums, String currency, long count, long amount) {
        long[] value = sums.computeIfAbsent(currency, key -> new long[2]);
        value[0] += count;
        value[1] = Math.addExact(value[1], amount);
    }
}
