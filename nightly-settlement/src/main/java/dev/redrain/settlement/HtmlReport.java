package dev.redrain.settlement;

import dev.redrain.settlement.ReportWriter.Table;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The night's report as one self-contained HTML page (inline CSS and SVG, no script but one
 * line that marks the page rendered, nothing fetched): summary figures, a chart of the night's
 * breaks, totals per leg with formal money apart from internal-test and gray money, breaks by
 * category and age, budget utilisation, repairs and refused statement lines. It shows exactly
 * the tables the CSV files hold. Key figures carry {@code data-figure} attributes so a test
 * (and a reviewer's script) can read them from the rendered page.
 */
final class HtmlReport {
    private static final String STYLE = "body{font:14px system-ui,sans-serif;margin:24px;"
            + "color:#1b1f24}h1{font-size:22px}h2{font-size:17px;margin-top:28px}"
            + "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #c9d1d9;"
            + "padding:3px 8px;text-align:right}th{background:#f3f5f7}td.t{text-align:left}"
            + ".cards{display:flex;gap:16px}.card{border:1px solid #c9d1d9;padding:10px 16px;"
            + "border-radius:6px}.card b{display:block;font-size:20px}.muted{color:#57606a}";

    private HtmlReport() {
    }

    static String render(LocalDate date, Map<String, Table> tables) {
        Table summary = tables.get("summary.csv");
        long matched = 0;
        long breakCount = 0;
        Map<String, Long> byCategory = new LinkedHashMap<>();
        Map<String, Long> amountByCurrency = new LinkedHashMap<>();
        for (List<String> row : summary.rows()) {
            long tokens = Long.parseLong(row.get(summary.column("tokens")));
            if (row.get(0).equals("MATCHED")) {
                matched += tokens;
                continue;
            }
            breakCount += tokens;
            byCategory.merge(row.get(summary.column("category")), tokens, Long::sum);
            amountByCurrency.merge(row.get(summary.column("currency")),
                    Long.parseLong(row.get(summary.column("amount_minor"))), Long::sum);
        }
        StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>Redrain settlement ").append(date).append("</title><style>")
                .append(STYLE).append("</style></head><body>");
        html.append("<h1>Redrain settlement, business date <span data-figure=\"business-date\">")
                .append(date).append("</span></h1>");
        html.append("<p class=\"muted\">Three-way reconciliation of Redis token states, the"
                + " ledger and the payment channel. Amounts are minor units of their asset.</p>");
        html.append("<div class=\"cards\">");
        card(html, "Matched tokens", "matched-tokens", Long.toString(matched));
        card(html, "Breaks", "break-count", Long.toString(breakCount));
        for (Map.Entry<String, Long> amount : amountByCurrency.entrySet()) {
            card(html, "At stake, " + amount.getKey(), "break-amount-" + amount.getKey(),
                    Long.toString(amount.getValue()));
        }
        card(html, "Repairs taken", "repairs", Integer.toString(tables.get("repairs.csv")
                .rows().size()));
        card(html, "Refused statement lines", "import-errors", Integer.toString(
                tables.get("import-errors.csv").rows().size()));
        html.append("</div>");
        html.append("<h2>Breaks of the night by category</h2>").append(chart(byCategory));
        Table totals = tables.get("totals.csv");
        int stage = totals.column("stage");
        html.append("<h2>Totals per leg: formal money</h2>");
        table(html, totals, row -> row.get(stage) == null || row.get(stage).equals("FORMAL"));
        html.append("<h2>Totals per leg: internal-test and gray stages (not formal money)</h2>");
        table(html, totals, row -> row.get(stage) != null && !row.get(stage).equals("FORMAL"));
        html.append("<h2>Matched and broken, with age of breaks (days)</h2>");
        table(html, summary, row -> true);
        html.append("<h2>Budget utilisation per template (issued this date)</h2>");
        table(html, tables.get("utilisation.csv"), row -> true);
        html.append("<h2>Repairs taken</h2>");
        table(html, tables.get("repairs.csv"), row -> true);
        html.append("<h2>Breaks cleared this date</h2>");
        table(html, tables.get("cleared.csv"), row -> true);
        html.append("<h2>Refused statement lines</h2>");
        table(html, tables.get("import-errors.csv"), row -> true);
        for (Break.Category category : Break.Category.values()) {
            Table breaks = tables.get("breaks-" + category + ".csv");
            if (!breaks.rows().isEmpty()) {
                html.append("<h2>").append(category).append(" (").append(breaks.rows().size())
                        .append(")</h2>");
                table(html, breaks, row -> true);
            }
        }
        html.append("<script>document.body.dataset.rendered='ok';</script></body></html>");
        return html.toString();
    }

    private static void card(StringBuilder html, String label, String figure, String value) {
        html.append("<div class=\"card\">").append(escape(label)).append("<b data-figure=\"")
                .append(figure).append("\">").append(escape(value)).append("</b></div>");
    }

    /** A horizontal bar per category, as inline SVG. */
    private static String chart(Map<String, Long> byCategory) {
        if (byCategory.isEmpty()) {
            return "<p>No breaks.</p>";
        }
        long max = byCategory.values().stream().mapToLong(Long::longValue).max().orElse(1);
        int rowHeight = 24;
        StringBuilder svg = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\""
                + " width=\"640\" height=\"" + (byCategory.size() * rowHeight + 8)
                + "\" role=\"img\" aria-label=\"breaks by category\">");
        int y = 4;
        for (Map.Entry<String, Long> bar : byCategory.entrySet()) {
            long width = Math.max(2, 400 * bar.getValue() / max);
            svg.append("<text x=\"0\" y=\"").append(y + 16).append("\" font-size=\"12\">")
                    .append(escape(bar.getKey())).append("</text><rect x=\"200\" y=\"")
                    .append(y + 3).append("\" width=\"").append(width)
                    .append("\" height=\"16\" fill=\"#cf222e\"/><text x=\"").append(205 + width)
                    .append("\" y=\"").append(y + 16).append("\" font-size=\"12\">")
                    .append(bar.getValue()).append("</text>");
            y += rowHeight;
        }
        return svg.append("</svg>").toString();
    }

    private static void table(StringBuilder html, Table table, Predicate<List<String>> keep) {
        List<List<String>> rows = new ArrayList<>();
        for (List<String> row : table.rows()) {
            if (keep.test(row)) {
                rows.add(row);
            }
        }
        if (rows.isEmpty()) {
            html.append("<p class=\"muted\">None.</p>");
            return;
        }
        html.append("<table><tr>");
        for (String column : table.columns()) {
            html.append("<th>").append(escape(column)).append("</th>");
        }
        html.append("</tr>");
        for (List<String> row : rows) {
            html.append("<tr>");
            for (String value : row) {
                boolean text = value == null || !value.matches("-?[0-9.]+");
                html.append(text ? "<td class=\"t\">" : "<td>")
                        .append(value == null ? "" : escape(value)).append("</td>");
            }
            html.append("</tr>");
        }
        html.append("</table>");
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
