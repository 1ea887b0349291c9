package dev.redrain.settlement;

import dev.redrain.core.money.Money;
import dev.redrain.settlement.ReportWriter.Table;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

/**
 * The night's report as one self-contained HTML page for finance (inline CSS and SVG, one
 * line of script that marks the page rendered, nothing fetched), rendered through a Thymeleaf
 * template that escapes every value. Amounts show in major units with their asset ({@code
 * 15,076.85 CNY}); minor units stay in the CSV files beside it, which hold the same rows. Key
 * figures carry {@code data-figure} attributes so a test (and a reviewer's script) can read
 * them from the rendered page.
 */
final class HtmlReport {
    /** Where the report's sources came from: the run and the statement with its checksum. */
    public record Header(LocalDate businessDate, Long runId, Instant generatedAt, String statementFile,
            String statementSha256, Set<String> withdrawableAssets) {
    }

    /** A summary figure. */
    public record Card(String label, String figure, String value) {
    }

    /** One cell as shown; numbers align right. */
    public record Cell(String text, boolean number) {
    }

    /** A table as shown: headers in words, amounts in major units. */
    public record View(List<String> headers, List<List<Cell>> rows) {
        public boolean isEmpty() {
            return rows.isEmpty();
        }
    }

    /** The three legs of one asset, and whether they meet. */
    public record AssetLegs(String asset, long issuedTokens, String issued, long creditedTokens,
            String credited, String funded, String creditedMinusIssued,
            String fundedMinusCredited, boolean reconciles, List<LegBar> bars) {
    }

    /** One leg of an asset in the legs chart, scaled against the asset's largest leg. */
    public record LegBar(String leg, String amount, long width, int y) {
    }

    /** One activity's stage: what was issued and credited there, and whether it is real money. */
    public record StageSection(String activityId, String stage, String kind, View view) {
    }

    /** Tonight's withdrawals that ended one way, in one asset. */
    public record Withdrawn(String status, String outcome, String asset, long count,
            String amount) {
    }

    /** One night of the trend chart: new breaks, and the part of them still open. */
    public record Night(String night, long newBreaks, long stillOpen, int x, int newHeight,
            int openHeight) {
    }

    /** One line of an asset's bridge to zero; the residual carries whether it is zero. */
    public record BridgeLine(String leg, String label, String tokens, String amount,
            String figure, boolean residual, boolean zero, boolean memo) {
    }

    /** One asset's bridge: each leg walked down to its unexplained residual. */
    public record AssetBridge(String asset, List<BridgeLine> lines) {
    }

    /** A bar of the breaks chart. */
    public record Bar(String label, long count, long width, int y) {
    }

    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");
    private static final Map<String, String> LABELS = Map.ofEntries(
            Map.entry("leg", "Leg"), Map.entry("activity_id", "Activity"),
            Map.entry("stage", "Stage"), Map.entry("award_type", "Award type"),
            Map.entry("currency", "Asset"), Map.entry("tokens", "Tokens"),
            Map.entry("amount_minor", "Amount"), Map.entry("line", "Line"),
            Map.entry("category", "Category"), Map.entry("aging", "Age (days)"),
            Map.entry("out_trade_no", "Trade number"), Map.entry("act_id", "Account"),
            Map.entry("legs", "Legs present"), Map.entry("redis_status", "Redis status"),
            Map.entry("redis_amount_minor", "Issued (Redis)"),
            Map.entry("ledger_amount_minor", "Credited (ledger)"),
            Map.entry("payment_amount_minor", "Paid (channel)"),
            Map.entry("first_seen_date", "First seen"), Map.entry("age_days", "Age (days)"),
            Map.entry("status", "Status"), Map.entry("owner", "Owner"),
            Map.entry("evidence", "Evidence"), Map.entry("cleared_date", "Cleared on"),
            Map.entry("action", "Action"), Map.entry("outcome", "Outcome"),
            Map.entry("source_file", "Statement file"), Map.entry("line_number", "Line"),
            Map.entry("reason", "Reason"), Map.entry("raw_line", "Line as received"),
            Map.entry("template_id", "Template"), Map.entry("budget_minor", "Budget"),
            Map.entry("issued_minor", "Issued"), Map.entry("pct", "Used (%)"),
            Map.entry("payout_out_trade_no", "Payout number"),
            Map.entry("debit_business_date", "Debited on"), Map.entry("tracking", "Tracking"),
            Map.entry("expected_until_utc", "Expected until (UTC)"));
    private static final Map<String, String> LEGS = Map.of("REDIS", "Issued (Redis)",
            "LEDGER", "Credited (ledger)", "PAYMENT", "Funded (channel)");
    private static final TemplateEngine ENGINE = engine();

    private HtmlReport() {
    }

    static String render(Header header, Map<String, Table> tables) {
        Context context = new Context();
        context.setVariable("header", header);
        context.setVariable("cards", cards(tables, header.businessDate()));
        context.setVariable("bars", bars(tables.get("summary.csv")));
        context.setVariable("assets", assets(tables.get("totals.csv"),
                header.withdrawableAssets()));
        context.setVariable("stages", stages(tables.get("totals.csv")));
        context.setVariable("bridges", bridges(tables.get("bridge.csv")));
        context.setVariable("expected", view(tables.get("expected.csv")));
        context.setVariable("aging", view(tables.get("summary.csv"), row -> "BREAK".equals(
                row.get(0)), Set.of("line"), Map.of()));
        context.setVariable("utilisation", view(tables.get("utilisation.csv")));
        context.setVariable("withdrawn", withdrawn(tables.get("withdrawals.csv")));
        context.setVariable("trend", trend(tables.get("trend.csv")));
        context.setVariable("unknownPayouts", view(tables.get("unknown-payouts.csv")));
        context.setVariable("repairs", view(tables.get("repairs.csv")));
        context.setVariable("cleared", view(tables.get("cleared.csv")));
        context.setVariable("importErrors", view(tables.get("import-errors.csv")));
        Map<String, View> breaks = new LinkedHashMap<>();
        for (Break.Category category : Break.Category.values()) {
            // Each amount shows its asset, and the legs present show in the amounts: the two
            // columns are left to the CSV so the table fits a page.
            View view = view(tracked(tables.get("breaks-" + category + ".csv"),
                    header.businessDate()), row -> true, Set.of("currency", "legs"),
                    Map.of("amount_minor", "At stake"));
            if (!view.isEmpty()) {
                breaks.put(category.name(), view);
            }
        }
        context.setVariable("breaks", breaks);
        return ENGINE.process("settlement/report", context);
    }

    /**
     * Where a break of tonight stands: new tonight, persisting from an earlier night, or
     * resolved tonight (repaired; the ones cleared are in cleared.csv).
     */
    static String tracking(String status, String firstSeen, LocalDate night) {
        if ("REPAIRED".equals(status)) {
            return "resolved (repaired)";
        }
        if ("RESOLVED".equals(status)) {
            return "resolved by finance";
        }
        return night.toString().equals(firstSeen) ? "new tonight" : "persisting";
    }

    /** The break table with its tracking as the first column. */
    private static Table tracked(Table breaks, LocalDate night) {
        List<String> columns = new ArrayList<>(List.of("tracking"));
        columns.addAll(breaks.columns());
        List<List<String>> rows = new ArrayList<>();
        for (List<String> row : breaks.rows()) {
            List<String> withTracking = new ArrayList<>(List.of(tracking(row.get(breaks.column(
                    "status")), row.get(breaks.column("first_seen_date")), night)));
            withTracking.addAll(row);
            rows.add(withTracking);
        }
        return new Table(columns, rows);
    }

    private static List<Card> cards(Map<String, Table> tables, LocalDate night) {
        Table summary = tables.get("summary.csv");
        long matched = 0;
        long breakCount = 0;
        long expected = 0;
        Map<String, Long> atStake = new TreeMap<>();
        for (List<String> row : summary.rows()) {
            long tokens = Long.parseLong(row.get(summary.column("tokens")));
            if (row.get(0).equals("MATCHED")) {
                matched += tokens;
            } else if (row.get(0).equals("EXPECTED")) {
                expected += tokens;
            } else {
                breakCount += tokens;
                atStake.merge(row.get(summary.column("currency")), Long.parseLong(row.get(
                        summary.column("amount_minor"))), Long::sum);
            }
        }
        List<Card> cards = new ArrayList<>();
        cards.add(new Card("Matched tokens", "matched-tokens", String.format("%,d", matched)));
        cards.add(new Card("Breaks", "break-count", String.format("%,d", breakCount)));
        cards.add(new Card("Timing items (expected)", "expected-count", String.format("%,d",
                expected)));
        atStake.forEach((asset, minor) -> cards.add(new Card("At stake in breaks",
                "break-amount-" + asset, Money.of(minor, asset).display())));
        Map<String, Long> tracking = new TreeMap<>();
        for (Break.Category category : Break.Category.values()) {
            Table breaks = tables.get("breaks-" + category + ".csv");
            for (List<String> row : breaks.rows()) {
                tracking.merge(tracking(row.get(breaks.column("status")), row.get(breaks.column(
                        "first_seen_date")), night), 1L, Long::sum);
            }
        }
        cards.add(new Card("New tonight", "new-breaks", String.format("%,d",
                tracking.getOrDefault("new tonight", 0L))));
        cards.add(new Card("Persisting", "persisting-breaks", String.format("%,d",
                tracking.getOrDefault("persisting", 0L))));
        cards.add(new Card("Resolved tonight", "resolved-breaks", String.format("%,d",
                tracking.getOrDefault("resolved (repaired)", 0L) + tables.get("cleared.csv")
                        .rows().size())));
        cards.add(new Card("Repairs taken", "repairs", Integer.toString(tables.get(
                "repairs.csv").rows().size())));
        cards.add(new Card("Refused statement lines", "import-errors", Integer.toString(
                tables.get("import-errors.csv").rows().size())));
        return cards;
    }

    /** Breaks per category, one bar each, as the chart draws them. */
    private static List<Bar> bars(Table summary) {
        Map<String, Long> byCategory = new TreeMap<>();
        for (List<String> row : summary.rows()) {
            if ("BREAK".equals(row.get(0))) {
                byCategory.merge(row.get(summary.column("category")), Long.parseLong(row.get(
                        summary.column("tokens"))), Long::sum);
            }
        }
        long max = byCategory.values().stream().mapToLong(Long::longValue).max().orElse(1);
        List<Bar> bars = new ArrayList<>();
        int y = 4;
        for (Map.Entry<String, Long> bar : byCategory.entrySet()) {
            bars.add(new Bar(bar.getKey(), bar.getValue(), Math.max(2, 400 * bar.getValue()
                    / max), y));
            y += 24;
        }
        return bars;
    }

    /**
     * Per asset, all stages together: what Redis issued, what the ledger credited and what
     * the channel funded. The channel's lines carry no stage, so only here do all three meet;
     * an asset that never leaves a wallet (points, coupons) has no funding leg.
     */
    private static List<AssetLegs> assets(Table totals, Set<String> withdrawable) {
        Map<String, long[]> byAsset = new TreeMap<>(); // tokens and minor units per leg
        int leg = totals.column("leg");
        for (List<String> row : totals.rows()) {
            long[] sums = byAsset.computeIfAbsent(row.get(totals.column("currency")),
                    asset -> new long[6]);
            int at = switch (row.get(leg)) {
                case "REDIS" -> 0;
                case "LEDGER" -> 2;
                default -> 4;
            };
            sums[at] += Long.parseLong(row.get(totals.column("tokens")));
            sums[at + 1] += Long.parseLong(row.get(totals.column("amount_minor")));
        }
        List<AssetLegs> legs = new ArrayList<>();
        byAsset.forEach((asset, sums) -> {
            boolean funded = withdrawable.contains(asset);
            long creditedMinusIssued = sums[3] - sums[1];
            long fundedMinusCredited = sums[5] - sums[3];
            legs.add(new AssetLegs(asset, sums[0], display(sums[1], asset), sums[2],
                    display(sums[3], asset), funded ? display(sums[5], asset)
                            : "not funded through the channel", display(creditedMinusIssued,
                                    asset), funded ? display(fundedMinusCredited, asset) : "",
                    creditedMinusIssued == 0 && (!funded || fundedMinusCredited == 0),
                    legBars(asset, sums[1], sums[3], funded ? sums[5] : null)));
        });
        return legs;
    }

    private static final Map<String, String> BRIDGE_LINES = Map.of(
            "TOTAL", "Total of the leg",
            "MATCHED", "Matched in every leg",
            "BREAK", "Break: ",
            "RESOLVED", "Resolved by finance: ",
            "REPAIRED", "Repaired tonight: ",
            "EXPECTED", "Timing item (expected): ",
            "RESIDUAL", "Unexplained residual",
            "FEES", "Memo: fees the channel charged",
            "NET", "Memo: net cash (funded less fees)");

    /** bridge.csv per asset, its lines in words and amounts in major units. */
    private static List<AssetBridge> bridges(Table bridge) {
        Map<String, List<BridgeLine>> byAsset = new TreeMap<>();
        for (List<String> row : bridge.rows()) {
            String asset = row.get(bridge.column("currency"));
            String leg = row.get(bridge.column("leg"));
            String line = row.get(bridge.column("line"));
            String category = row.get(bridge.column("category"));
            String tokens = row.get(bridge.column("tokens"));
            long minor = Long.parseLong(row.get(bridge.column("amount_minor")));
            boolean residual = line.equals("RESIDUAL");
            byAsset.computeIfAbsent(asset, a -> new ArrayList<>()).add(new BridgeLine(
                    LEGS.get(leg), BRIDGE_LINES.get(line) + (category == null ? "" : category),
                    tokens == null ? "" : String.format("%,d", Long.parseLong(tokens)),
                    display(minor, asset), residual ? "residual-" + asset + "-" + leg : null,
                    residual, minor == 0, line.equals("FEES") || line.equals("NET")));
        }
        List<AssetBridge> bridges = new ArrayList<>();
        byAsset.forEach((asset, lines) -> bridges.add(new AssetBridge(asset, lines)));
        return bridges;
    }

    /** Bars of at most this height in the trend chart, 60 px apart. */
    private static final int TREND_BAR_MAX = 120;

    private static List<Night> trend(Table trend) {
        long max = 1;
        for (List<String> row : trend.rows()) {
            max = Math.max(max, Long.parseLong(row.get(1)));
        }
        List<Night> nights = new ArrayList<>();
        int x = 40;
        for (List<String> row : trend.rows()) {
            long created = Long.parseLong(row.get(1));
            long open = Long.parseLong(row.get(2));
            nights.add(new Night(row.get(0), created, open, x,
                    (int) (TREND_BAR_MAX * created / max), (int) (TREND_BAR_MAX * open / max)));
            x += 60;
        }
        return nights;
    }

    private static final Map<String, String> OUTCOMES = Map.of(
            "PAID", "Paid by the channel",
            "PAYOUT_FAILED", "Failed: returned to the wallet",
            "DEBITED", "Unknown: debited, the channel's answer outstanding",
            "REQUESTED", "Requested, not debited",
            "REVERSED", "Reversed to the wallet");

    private static List<Withdrawn> withdrawn(Table withdrawals) {
        List<Withdrawn> lines = new ArrayList<>();
        for (List<String> row : withdrawals.rows()) {
            String status = row.get(withdrawals.column("status"));
            String asset = row.get(withdrawals.column("currency"));
            lines.add(new Withdrawn(status, OUTCOMES.getOrDefault(status, status), asset,
                    Long.parseLong(row.get(withdrawals.column("withdrawals"))), display(
                            Long.parseLong(row.get(withdrawals.column("amount_minor"))),
                            asset)));
        }
        return lines;
    }

    /** Bars of at most this width in the legs chart. */
    private static final int LEG_BAR_MAX = 360;

    /** Issued, credited and (for cash) funded of one asset, as bars of the legs chart. */
    private static List<LegBar> legBars(String asset, long issued, long credited, Long funded) {
        long max = Math.max(1, Math.max(issued, Math.max(credited, funded == null ? 0 : funded)));
        List<LegBar> bars = new ArrayList<>();
        bars.add(new LegBar("Issued", display(issued, asset), LEG_BAR_MAX * issued / max, 4));
        bars.add(new LegBar("Credited", display(credited, asset), LEG_BAR_MAX * credited / max,
                26));
        if (funded != null) {
            bars.add(new LegBar("Funded", display(funded, asset), LEG_BAR_MAX * funded / max,
                    48));
        }
        return bars;
    }

    /** Issued against credited per activity and stage, formal money apart from the rest. */
    private static List<StageSection> stages(Table totals) {
        Map<String, Map<String, long[]>> byStage = new TreeMap<>();
        for (List<String> row : totals.rows()) {
            String activity = row.get(totals.column("activity_id"));
            if (activity == null) {
                continue; // the channel's lines: per asset only
            }
            String key = activity + "|" + row.get(totals.column("stage"));
            long[] sums = byStage.computeIfAbsent(key, k -> new TreeMap<>()).computeIfAbsent(
                    row.get(totals.column("award_type")) + "|" + row.get(totals.column(
                            "currency")), k -> new long[4]);
            int at = "REDIS".equals(row.get(totals.column("leg"))) ? 0 : 2;
            sums[at] += Long.parseLong(row.get(totals.column("tokens")));
            sums[at + 1] += Long.parseLong(row.get(totals.column("amount_minor")));
        }
        List<StageSection> sections = new ArrayList<>();
        byStage.forEach((key, awards) -> {
            String[] activityStage = key.split("\\|", 2);
            List<List<Cell>> rows = new ArrayList<>();
            awards.forEach((award, sums) -> {
                String[] typeAsset = award.split("\\|", 2);
                String asset = typeAsset[1];
                rows.add(List.of(new Cell(typeAsset[0], false), new Cell(asset, false),
                        number(sums[0]), amount(sums[1], asset), number(sums[2]),
                        amount(sums[3], asset), amount(sums[3] - sums[1], asset)));
            });
            sections.add(new StageSection(activityStage[0], activityStage[1],
                    kind(activityStage[1]), new View(List.of("Award type", "Asset",
                            "Issued tokens", "Issued", "Credited tokens", "Credited",
                            "Credited minus issued"), rows)));
        });
        return sections;
    }

    private static String kind(String stage) {
        return switch (stage) {
            case "FORMAL" -> "formal money: paid to users";
            case "GRAY" -> "not formal money: gray release to a share of users";
            case "INTERNAL_TEST" -> "not formal money: internal test accounts";
            default -> "stage " + stage;
        };
    }

    private static View view(Table table) {
        return view(table, row -> true, Set.of(), Map.of());
    }

    /**
     * A CSV table as shown: its columns in words (but those in {@code hidden}; {@code labels}
     * names some apart), amounts ({@code *_minor} columns) in major units of the row's asset,
     * token counts with separators, legs by name.
     */
    private static View view(Table table, Predicate<List<String>> keep, Set<String> hidden,
            Map<String, String> labels) {
        List<Integer> shown = new ArrayList<>();
        List<String> headers = new ArrayList<>();
        for (int i = 0; i < table.columns().size(); i++) {
            String column = table.columns().get(i);
            if (!hidden.contains(column)) {
                shown.add(i);
                headers.add(labels.getOrDefault(column, LABELS.getOrDefault(column,
                        column.replace('_', ' '))));
            }
        }
        int currency = table.column("currency");
        List<List<Cell>> rows = new ArrayList<>();
        for (List<String> row : table.rows()) {
            if (!keep.test(row)) {
                continue;
            }
            List<Cell> cells = new ArrayList<>();
            for (int i : shown) {
                cells.add(cell(table.columns().get(i), row.get(i), currency < 0 ? null
                        : row.get(currency)));
            }
            rows.add(cells);
        }
        return new View(headers, rows);
    }

    private static Cell cell(String column, String value, String asset) {
        if (value == null) {
            return new Cell("", false);
        }
        if (column.endsWith("_minor") && asset != null && NUMBER.matcher(value).matches()) {
            return amount(Long.parseLong(value), asset);
        }
        if (column.equals("leg")) {
            return new Cell(LEGS.getOrDefault(value, value), false);
        }
        if (column.equals("tokens") && NUMBER.matcher(value).matches()) {
            return number(Long.parseLong(value));
        }
        return new Cell(value, NUMBER.matcher(value).matches());
    }

    private static Cell number(long value) {
        return new Cell(String.format("%,d", value), true);
    }

    private static Cell amount(long minor, String asset) {
        return new Cell(display(minor, asset), true);
    }

    private static String display(long minor, String asset) {
        return Money.of(minor, asset).display();
    }

    private static TemplateEngine engine() {
        ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver(
                HtmlReport.class.getClassLoader());
        resolver.setPrefix("templates/");
        resolver.setSuffix(".html");
        resolver.setTemplateMode(TemplateMode.HTML);
        resolver.setCharacterEncoding("UTF-8");
        TemplateEngine engine = new TemplateEngine();
        engine.setTemplateResolver(resolver);
        return engine;
    }
}
