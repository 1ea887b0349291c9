package dev.redrain.settlement;

import dev.redrain.settlement.ReportWriter.Table;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The bridge to zero: per asset, each leg's total for the night (issued in Redis, credited in
 * the ledger, funded by the channel) walked down to what explains it: the tokens matched in
 * every leg, then each broken token's amount in that leg, by category (open or unproven breaks,
 * breaks repaired tonight, timing items still expected), to an unexplained residual that must be
 * zero. A net difference of zero between legs proves nothing (two breaks can cancel); a residual
 * of zero proves every minor unit of each leg is matched or named. The leg totals come from the
 * legs' own sources and the explanations from the match, so the two are independent.
 *
 * <p>A token with more than one break is counted once, under its first category (a break before
 * a timing item, then in {@link Break.Category} order). For the funding leg, the channel's fees
 * and the net cash follow as memo lines. Pure.
 */
final class Bridge {
    static final List<String> COLUMNS = List.of("currency", "leg", "line", "category", "tokens",
            "amount_minor");
    static final List<String> LEGS = List.of("REDIS", "LEDGER", "PAYMENT");

    /** One break or timing item of a token of the night, with each leg's amount (null: none). */
    record Item(String outTradeNo, Break.Category category, String status, String currency,
            Long redisMinor, Long ledgerMinor, Long paymentMinor) {
        Long minor(String leg) {
            return switch (leg) {
                case "REDIS" -> redisMinor;
                case "LEDGER" -> ledgerMinor;
                default -> paymentMinor;
            };
        }

        /** How the bridge names the item's line: BREAK, RESOLVED, REPAIRED or EXPECTED. */
        String line() {
            return switch (status) {
                case "REPAIRED" -> "REPAIRED";
                case "EXPECTED" -> "EXPECTED";
                case "RESOLVED" -> "RESOLVED";
                default -> "BREAK";
            };
        }
    }

    private static final Comparator<Item> FIRST = Comparator
            .comparing((Item item) -> "EXPECTED".equals(item.status()))
            .thenComparing(Item::category);

    private Bridge() {
    }

    /**
     * @param totals totals.csv: count and amount per leg per asset (and activity, stage, type)
     * @param matched per asset, the matched tokens and their amount (the match's tally)
     * @param withdrawable the assets the channel funds (only they have a funding leg)
     * @param items tonight's tokens' breaks and timing items
     * @param feesMinor per asset, the fees the channel charged on the funding leg's lines
     */
    static Table of(Table totals, Map<String, long[]> matched, Set<String> withdrawable,
            List<Item> items, Map<String, Long> feesMinor) {
        Map<String, long[]> legTotals = legTotals(totals);
        Map<String, Item> byToken = new TreeMap<>();
        for (Item item : items) {
            byToken.merge(item.outTradeNo(), item, (a, b) -> FIRST.compare(a, b) <= 0 ? a : b);
        }
        Set<String> assets = new TreeSet<>(matched.keySet());
        legTotals.keySet().forEach(key -> assets.add(key.split("\\|")[0]));
        byToken.values().forEach(item -> assets.add(item.currency()));
        List<List<String>> rows = new ArrayList<>();
        for (String asset : assets) {
            for (String leg : LEGS) {
                boolean funded = withdrawable.contains(asset);
                long[] total = legTotals.getOrDefault(asset + "|" + leg, new long[2]);
                if (leg.equals("PAYMENT") && !funded && total[1] == 0) {
                    continue; // no funding leg: points and coupons never leave a wallet
                }
                rows.addAll(walk(asset, leg, total, leg.equals("PAYMENT") && !funded
                        ? new long[2] : matched.getOrDefault(asset, new long[2]),
                        byToken.values()));
                if (leg.equals("PAYMENT")) {
                    long fees = feesMinor.getOrDefault(asset, 0L);
                    rows.add(row(asset, leg, "FEES", null, null, fees));
                    rows.add(row(asset, leg, "NET", null, null, total[1] - fees));
                }
            }
        }
        return new Table(COLUMNS, rows);
    }

    /** One leg of one asset: its total, what explains it, and the residual. */
    private static List<List<String>> walk(String asset, String leg, long[] total,
            long[] matched, Iterable<Item> items) {
        Map<String, long[]> explained = new LinkedHashMap<>();
        for (Item item : sorted(items)) {
            Long minor = item.minor(leg);
            if (minor != null && item.currency().equals(asset)) {
                long[] sums = explained.computeIfAbsent(item.line() + "|" + item.category(),
                        key -> new long[2]);
                sums[0]++;
                sums[1] += minor;
            }
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(row(asset, leg, "TOTAL", null, total[0], total[1]));
        rows.add(row(asset, leg, "MATCHED", null, matched[0], matched[1]));
        long residual = total[1] - matched[1];
        for (Map.Entry<String, long[]> line : explained.entrySet()) {
            String[] lineCategory = line.getKey().split("\\|");
            rows.add(row(asset, leg, lineCategory[0], lineCategory[1], line.getValue()[0],
                    line.getValue()[1]));
            residual -= line.getValue()[1];
        }
        rows.add(row(asset, leg, "RESIDUAL", null, null, residual));
        return rows;
    }

    /** Breaks first, then resolved, repaired, expected; within each, in category order. */
    private static List<Item> sorted(Iterable<Item> items) {
        List<Item> list = new ArrayList<>();
        items.forEach(list::add);
        list.sort(Comparator.comparing((Item item) -> List.of("BREAK", "RESOLVED", "REPAIRED",
                "EXPECTED")
                .indexOf(item.line())).thenComparing(Item::category));
        return list;
    }

    /** Tokens and minor units per asset and leg, over every activity, stage and type. */
    private static Map<String, long[]> legTotals(Table totals) {
        Map<String, long[]> sums = new TreeMap<>();
        for (List<String> row : totals.rows()) {
            long[] sum = sums.computeIfAbsent(row.get(totals.column("currency")) + "|"
                    + row.get(totals.column("leg")), key -> new long[2]);
            sum[0] += Long.parseLong(row.get(totals.column("tokens")));
            sum[1] += Long.parseLong(row.get(totals.column("amount_minor")));
        }
        return sums;
    }

    private static List<String> row(String asset, String leg, String line, String category,
            Long tokens, long minor) {
        List<String> row = new ArrayList<>(COLUMNS.size());
        row.add(asset);
        row.add(leg);
        row.add(line);
        row.add(category);
        row.add(tokens == null ? null : Long.toString(tokens));
        row.add(Long.toString(minor));
        return row;
    }
}
