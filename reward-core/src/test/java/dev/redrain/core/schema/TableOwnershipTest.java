package dev.redrain.core.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every table has one owner: the only production code whose SQL names it. A schema change
 * then means reading one class or package, not a hunt through six modules. This test reads the
 * migrations for the tables and every module's {@code src/main/java} for SQL, and fails when
 * code outside a family's owner names one of its tables, or when a table belongs to no family.
 *
 * <p>A family may publish read-only views (for a set-based join, such as the settlement's
 * match, that a repository call would turn into another full pass). Anyone may read a
 * published view; only the owner writes through one, and every view is published by one family.
 *
 * <p>Test code, test-support and the benchmarks are not scanned: they plant rows on purpose.
 */
class TableOwnershipTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Set<String> NOT_SCANNED = Set.of("test-support", "bench");
    /** A string literal (adjacent literals joined by + are one) that is an SQL statement. */
    private static final Pattern STATEMENT = Pattern.compile(
            "^\\s*(SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH|CREATE|ALTER|TRUNCATE)\\b");
    /** Possessive, so a long literal does not recurse once per character (a stack overflow). */
    private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]++|\\\\.)*+)\"");
    private static final Pattern JOINED = Pattern.compile("\"\\s*\\+\\s*\"");
    private static final Pattern TABLE = Pattern.compile(
            "(?i)CREATE TABLE\\s+(?:IF NOT EXISTS\\s+)?`?(\\w+)");
    private static final Pattern VIEW = Pattern.compile(
            "(?i)CREATE\\s+(?:OR REPLACE\\s+)?(?:ALGORITHM\\s*=\\s*\\w+\\s+)?"
                    + "(?:SQL SECURITY\\s+\\w+\\s+)?VIEW\\s+`?(\\w+)");
    /** What names a table in a statement, to read or to write it. */
    private static final String NAMES = "(FROM|JOIN|INTO|UPDATE|TABLE)";
    /** What names a table in a statement that writes it. */
    private static final String WRITES = "(INTO|UPDATE|TABLE|DELETE\\s+FROM)";

    private record Family(String name, Set<String> tables, Set<String> published,
            List<String> owners) {
        Family(String name, Set<String> tables, List<String> owners) {
            this(name, tables, Set.of(), owners);
        }
    }

    private static final List<Family> FAMILIES = List.of(
            new Family("catalog", Set.of("activity", "activity_allow_list", "reward_template",
                    "rain", "rain_scene", "award_type", "asset"),
                    List.of("reward-core/src/main/java/dev/redrain/core/catalog/")),
            new Family("ledger", Set.of("ledger_account", "ledger_journal", "ledger_entry",
                    "ledger_refusal"), Set.of("ledger_booking", "ledger_refused_credit"),
                    List.of("reward-core/src/main/java/dev/redrain/core/ledger/")),
            new Family("accounts", Set.of("unified_account", "account_binding"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/account/")),
            new Family("withdrawals", Set.of("wallet_withdrawal"), Set.of("wallet_payout"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/wallet/")),
            new Family("events", Set.of("outbox"),
                    List.of("reward-core/src/main/java/dev/redrain/core/outbox/")),
            new Family("budgets", Set.of("budget_shard_load", "budget_epoch", "budget_raise",
                    "budget_rebuild"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/budget/",
                            "issuance-service/src/main/java/dev/redrain/issuance/grab/"
                                    + "RebuildRuns.java")),
            new Family("audit", Set.of("admin_audit"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/admin/"
                            + "AdminSupport.java",
                            "issuance-service/src/main/java/dev/redrain/issuance/admin/"
                                    + "AuditReads.java")),
            new Family("alerts", Set.of("budget_alert"),
                    List.of("budget-monitor-job/src/main/java/dev/redrain/monitor/"
                            + "AlertJdbcSink.java",
                            "budget-monitor-job/src/main/java/dev/redrain/monitor/"
                                    + "AlertReads.java")),
            new Family("reconciliation", Set.of("payment_record", "settlement_run",
                    "settlement_report_file", "recon_break", "recon_redis_token",
                    "recon_import_error", "recon_repair", "recon_match_tally"),
                    Set.of("settlement_break", "settlement_night_report",
                            "settlement_statement_line", "settlement_repair"),
                    List.of("nightly-settlement/src/main/java/")),
            new Family("finance", Set.of("break_case", "break_note", "corrective_journal",
                    "night_signoff"), Set.of("finance_case", "finance_resolution", "finance_signoff"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/finance/")));

    @Test
    void everyTableBelongsToOneFamily() {
        Set<String> owned = new TreeSet<>();
        for (Family family : FAMILIES) {
            for (String table : family.tables()) {
                assertThat(owned.add(table)).as("%s is in two families", table).isTrue();
            }
        }
        assertThat(owned).as("tables of the migrations, each in one family")
                .containsExactlyInAnyOrderElementsOf(migrated(TABLE));
    }

    @Test
    void everyViewIsPublishedByOneFamily() {
        Set<String> published = new TreeSet<>();
        for (Family family : FAMILIES) {
            for (String view : family.published()) {
                assertThat(published.add(view)).as("%s is published twice", view).isTrue();
            }
        }
        assertThat(published).as("views of the migrations, each published by one family")
                .containsExactlyInAnyOrderElementsOf(migrated(VIEW));
    }

    @Test
    void nobodyButTheOwnerWritesThroughAPublishedView() {
        List<String> strays = new ArrayList<>();
        for (Family family : FAMILIES) {
            Map<String, Set<String>> writers = users(family.published(), WRITES);
            writers.forEach((view, files) -> files.stream().filter(file -> family.owners()
                    .stream().noneMatch(file::startsWith)).forEach(file -> strays.add(file
                            + " writes through " + view + ", a read-only view of "
                            + family.name())));
        }
        assertThat(strays).isEmpty();
    }

    @Test
    void theScanTellsAWriteThroughAViewFromARead() {
        String source = "String read = \"SELECT a FROM ledger_booking\";\n"
                + "String write = \"DELETE FROM wallet_payout WHERE x = 1\";";
        Set<String> views = Set.of("ledger_booking", "wallet_payout");
        assertThat(tablesNamed(source, views, NAMES)).containsExactlyInAnyOrderElementsOf(views);
        assertThat(tablesNamed(source, views, WRITES)).containsExactly("wallet_payout");
    }

    @Test
    void onlyAFamilysOwnerNamesItsTables() {
        Map<String, Set<String>> usersByTable = users(migrated(TABLE), NAMES);
        List<String> strays = new ArrayList<>();
        for (Family family : FAMILIES) {
            Set<String> users = new TreeSet<>();
            family.tables().forEach(table -> users.addAll(usersByTable.getOrDefault(table,
                    Set.of())));
            for (String user : users) {
                if (family.owners().stream().noneMatch(user::startsWith)) {
                    strays.add(user + " names a table of " + family.name() + " " + family
                            .tables() + "; call its owner " + family.owners());
                }
            }
        }
        assertThat(strays).isEmpty();
    }

    @Test
    void theScanFindsSqlSplitOverLiterals() {
        String source = "String sql = \"SELECT a, b FROM\"\n            + \" reward_template WHERE"
                + " x = ?\";\nString attack = \"x'; DROP TABLE activity; --\";";
        assertThat(tablesNamed(source, Set.of("reward_template", "activity"), NAMES))
                .containsExactly("reward_template");
    }

    @Test
    void aLongLiteralDoesNotOverflowTheStack() {
        String source = "String sql = \"SELECT x FROM rain WHERE note = '" + "a".repeat(200_000)
                + "'\";";
        assertThat(tablesNamed(source, Set.of("rain"), NAMES)).containsExactly("rain");
    }

    /**
     * Each table's users: production source files whose SQL names it the way {@code use} says
     * (any use, or a write), relative to the root.
     */
    private static Map<String, Set<String>> users(Set<String> tables, String use) {
        Map<String, Set<String>> users = new TreeMap<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path module : modules.filter(path -> Files.isDirectory(path.resolve(
                    "src/main/java"))).filter(path -> !NOT_SCANNED.contains(
                            path.getFileName().toString())).toList()) {
                try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
                    for (Path file : files.filter(path -> path.toString().endsWith(".java"))
                            .toList()) {
                        String relative = ROOT.relativize(file).toString();
                        tablesNamed(Files.readString(file), tables, use).forEach(table -> users
                                .computeIfAbsent(table, name -> new TreeSet<>()).add(relative));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return users;
    }

    private static Set<String> tablesNamed(String source, Set<String> tables, String use) {
        Set<String> named = new TreeSet<>();
        Matcher literal = LITERAL.matcher(JOINED.matcher(source).replaceAll(""));
        while (literal.find()) {
            String text = literal.group(1);
            if (!STATEMENT.matcher(text).find()) {
                continue;
            }
            for (String table : tables) {
                if (Pattern.compile("(?i)\\b" + use + "\\s+`?" + table + "\\b").matcher(text)
                        .find()) {
                    named.add(table);
                }
            }
        }
        return named;
    }

    /** The names the migrations create with this pattern ({@link #TABLE} or {@link #VIEW}). */
    private static Set<String> migrated(Pattern create) {
        Set<String> tables = new TreeSet<>();
        try (Stream<Path> migrations = Files.list(ROOT.resolve("sql"))) {
            for (Path migration : migrations.filter(path -> path.toString().endsWith(".sql"))
                    .toList()) {
                Matcher matcher = create.matcher(Files.readString(migration));
                while (matcher.find()) {
                    tables.add(matcher.group(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tables;
    }
}
