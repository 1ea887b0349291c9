package dev.redrain.stack.ops;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Heading;
import org.commonmark.node.Node;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.AttributeProvider;
import org.commonmark.renderer.html.HtmlRenderer;

/**
 * A runbook as a page: Markdown rendered by CommonMark, raw HTML in it escaped, and every
 * heading an anchor. A heading that starts with a rule's name ({@code ## SPIKE: ...}) is
 * anchored by that name as the alert links to it ({@code #spike}, {@code #burn-rate-exhaustion});
 * any other by its words ({@code #first-checks-for-every-alert}).
 */
final class RunbookPage {
    private static final Pattern RULE = Pattern.compile("^([A-Z][A-Z_]+):");
    private static final List<Extension> EXTENSIONS = List.of(TablesExtension.create());
    private static final Parser PARSER = Parser.builder().extensions(EXTENSIONS).build();

    private RunbookPage() {
    }

    static String html(String title, String markdown) {
        Set<String> used = new HashSet<>();
        HtmlRenderer renderer = HtmlRenderer.builder().extensions(EXTENSIONS).escapeHtml(true)
                .sanitizeUrls(true).attributeProviderFactory(context -> anchors(used)).build();
        String body = renderer.render(PARSER.parse(markdown));
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
                + escape(title) + "</title><style>body{font:15px/1.5 system-ui,sans-serif;"
                + "max-width:980px;margin:24px auto;padding:0 16px;color:#1d2430}"
                + "pre{background:#f3f5f8;padding:10px;overflow-x:auto}"
                + "code{font-size:13px}table{border-collapse:collapse}"
                + "td,th{border:1px solid #d8dde5;padding:4px 8px;text-align:left}"
                + ":target{background:#fff6d6}</style></head><body>\n" + body
                + "</body></html>\n";
    }

    private static AttributeProvider anchors(Set<String> used) {
        return (Node node, String tagName, Map<String, String> attributes) -> {
            if (node instanceof Heading heading) {
                String id = idOf(textOf(heading));
                String unique = id;
                for (int n = 1; !used.add(unique); n++) {
                    unique = id + "-" + n;
                }
                attributes.put("id", unique);
            }
        };
    }

    static String idOf(String headingText) {
        Matcher rule = RULE.matcher(headingText);
        if (rule.find()) {
            return rule.group(1).toLowerCase(Locale.ROOT).replace('_', '-');
        }
        return headingText.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 -]", "").trim()
                .replaceAll("\\s+", "-");
    }

    private static String textOf(Node node) {
        StringBuilder text = new StringBuilder();
        for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
            text.append(child instanceof Text leaf ? leaf.getLiteral() : textOf(child));
        }
        return text.toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
