package dev.redrain.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipped monitoring (ops/: Prometheus rules, Grafana dashboards), read for the tests that
 * hold it against a real scrape: every metric a rule or panel names must be one a part
 * exports, every rule has a severity and a runbook section that exists.
 */
public final class MonitoringFiles {
    /** The repository's ops/ folder, from a module's directory. */
    public static final Path OPS = Path.of("..", "ops");

    /** One alert rule: what it is called, its query, severity and runbook link. */
    public record Rule(String alert, String expr, String severity, String runbookUrl) {
    }

    private MonitoringFiles() {
    }

    /** The rules of a Prometheus rules file, each checked to be well formed. */
    public static List<Rule> rules(String file) throws IOException {
        JsonNode groups = new ObjectMapper(new YAMLFactory()).readTree(OPS.resolve("prometheus")
                .resolve(file).toFile()).path("groups");
        List<Rule> rules = new ArrayList<>();
        for (JsonNode group : groups) {
            for (JsonNode rule : group.path("rules")) {
                rules.add(checked(new Rule(rule.path("alert").asText(), rule.path("expr")
                        .asText(), rule.path("labels").path("severity").asText(),
                        rule.path("annotations").path("runbook_url").asText())));
            }
        }
        require(!rules.isEmpty(), file + " has no rules");
        return rules;
    }

    /** Every query of a Grafana dashboard's panels; each panel must have one. */
    public static List<String> dashboardQueries(String file) throws IOException {
        JsonNode panels = new ObjectMapper().readTree(OPS.resolve("grafana").resolve(file)
                .toFile()).path("panels");
        require(!panels.isEmpty(), file + " has no panels");
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : panels) {
            require(!panel.path("targets").isEmpty(), "panel " + panel.path("title")
                    + " queries nothing");
            panel.path("targets").forEach(target -> queries.add(target.path("expr").asText()));
        }
        return queries;
    }

    /** The metric names {@code metric} (its first group) finds in the queries. */
    public static Set<String> named(Collection<String> queries, Pattern metric) {
        Set<String> named = new TreeSet<>();
        for (String query : queries) {
            Matcher found = metric.matcher(query);
            while (found.find()) {
                named.add(found.group(1));
            }
        }
        return named;
    }

    /** The metric names of a scrape in Prometheus's text format. */
    public static Set<String> scraped(String body) {
        Set<String> names = new TreeSet<>();
        body.lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                .forEach(line -> names.add(line.split("[{ ]", 2)[0]));
        return names;
    }

    private static Rule checked(Rule rule) throws IOException {
        require(!rule.alert().isBlank() && !rule.expr().isBlank(), "a rule without a name or"
                + " query: " + rule);
        require(rule.severity().equals("warning") || rule.severity().equals("critical"),
                rule.alert() + ": severity " + rule.severity());
        require(rule.runbookUrl().matches("runbooks/[a-z0-9-]+\\.md#[a-z0-9-]+"), rule.alert()
                + ": runbook_url " + rule.runbookUrl());
        String[] parts = rule.runbookUrl().split("#", 2);
        Path runbook = OPS.resolveSibling(parts[0]);
        require(Files.isRegularFile(runbook), rule.alert() + ": no " + runbook);
        Set<String> slugs = new TreeSet<>();
        Files.readAllLines(runbook).stream().filter(line -> line.startsWith("#"))
                .forEach(line -> slugs.add(line.replaceFirst("^#+\\s*", "")
                        .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 -]", "").trim()
                        .replaceAll("\\s+", "-")));
        require(slugs.contains(parts[1]), rule.alert() + " links " + rule.runbookUrl()
                + ", a section " + runbook + " does not have");
        return rule;
    }

    private static void require(boolean condition, String why) {
        if (!condition) {
            throw new AssertionError(why);
        }
    }
}
