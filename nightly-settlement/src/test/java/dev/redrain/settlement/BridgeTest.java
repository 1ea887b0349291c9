package dev.redrain.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.settlement.Break.Category;
import dev.redrain.settlement.ReportWriter.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BridgeTest {
    /** 10 matched CNY tokens of 100, plus the broken ones below, in each leg's total. */
    private static final Map<String, long[]> MATCHED = Map.of("CNY", new long[] {10, 1_000});

    @Test
    void everyMinorUnitOfEachLegIsMatchedOrNamedAndTheResidualIsZero() {
        List<Bridge.Item> items = List.of(
                // Booked, never funded: in Redis and the ledger, not the channel.
                item("T1", Category.CREDITED_NOT_PAID, "OPEN", 300L, 300L, null),
                // Funded twice and its fee wrong: counted once, as the duplicate.
                item("T2", Category.FEE_MISMATCH, "OPEN", 50L, 50L, 100L),
                item("T2", Category.DUPLICATE, "OPEN", 50L, 50L, 100L),
                // Re-credited tonight: the ledger holds what the repair booked.
                item("T3", Category.ISSUED_NOT_CREDITED, "REPAIRED", 70L, 70L, 70L),
                // Waiting for tomorrow's bill.
                item("T4", Category.CREDITED_NOT_PAID, "EXPECTED", 9L, 9L, null));
        Table bridge = Bridge.of(totals(1_429, 1_429, 1_170), MATCHED, Set.of("CNY"), items,
                Map.of("CNY", 7L));

        assertThat(lines(bridge, "LEDGER")).containsExactly("TOTAL||1429", "MATCHED||1000",
                "BREAK|CREDITED_NOT_PAID|300", "BREAK|DUPLICATE|50",
                "REPAIRED|ISSUED_NOT_CREDITED|70", "EXPECTED|CREDITED_NOT_PAID|9",
                "RESIDUAL||0");
        assertThat(lines(bridge, "PAYMENT")).containsExactly("TOTAL||1170", "MATCHED||1000",
                "BREAK|DUPLICATE|100", "REPAIRED|ISSUED_NOT_CREDITED|70", "RESIDUAL||0",
                "FEES||7", "NET||1163");
        assertThat(lines(bridge, "REDIS")).endsWith("RESIDUAL||0");
    }

    @Test
    void aTokenNoBreakNamesLeavesAResidual() {
        // The ledger holds 25 more than the match saw: a token it never compared.
        Table bridge = Bridge.of(totals(1_000, 1_025, 1_000), MATCHED, Set.of("CNY"), List.of(),
                Map.of());
        assertThat(lines(bridge, "LEDGER")).containsExactly("TOTAL||1025", "MATCHED||1000",
                "RESIDUAL||25");
        assertThat(lines(bridge, "REDIS")).endsWith("RESIDUAL||0");
    }

    @Test
    void anAssetTheChannelNeverFundsHasNoFundingLeg() {
        Table totals = new Table(List.of("leg", "currency", "tokens", "amount_minor"), List.of(
                List.of("REDIS", "CPN", "3", "3"), List.of("LEDGER", "CPN", "3", "3")));
        Table bridge = Bridge.of(totals, Map.of("CPN", new long[] {3, 3}), Set.of("CNY"),
                List.of(), Map.of());
        assertThat(bridge.rows()).noneMatch(row -> row.get(1).equals("PAYMENT"));
        assertThat(lines(bridge, "LEDGER")).endsWith("RESIDUAL||0");
    }

    private static Table totals(long redis, long ledger, long payment) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("REDIS", "CNY", "14", Long.toString(redis)));
        rows.add(List.of("LEDGER", "CNY", "14", Long.toString(ledger)));
        rows.add(List.of("PAYMENT", "CNY", "13", Long.toString(payment)));
        return new Table(List.of("leg", "currency", "tokens", "amount_minor"), rows);
    }

    private static Bridge.Item item(String no, Category category, String status, Long redis,
            Long ledger, Long payment) {
        return new Bridge.Item(no, category, status, "CNY", redis, ledger, payment);
    }

    /** The leg's lines as line|category|amount. */
    private static List<String> lines(Table bridge, String leg) {
        return bridge.rows().stream().filter(row -> row.get(0).equals(bridge.rows().get(0).get(0))
                && row.get(1).equals(leg)).map(row -> row.get(2) + "|" + (row.get(3) == null
                        ? "" : row.get(3)) + "|" + row.get(5)).toList();
    }
}
