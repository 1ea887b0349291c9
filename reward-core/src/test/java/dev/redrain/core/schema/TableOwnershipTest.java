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
 * <p>Families not moved behind their owner yet list the files that still name them
 * ({@code notYetMoved}). The list only shrinks: a new file naming the family fails, and so does
 * a listed file that no longer does (remove it from the list). Test code, test-support and the
 * benchmarks are not scanned: they plant rows on purpose.
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

    private record Family(String name, Set<String> tables, List<String> owners,
            List<String> notYetMoved) {
    }

    private static final List<Family> FAMILIES = List.of(
            new Family("catalog", Set.of("activity", "activity_allow_list", "reward_template",
                    "rain", "rain_scene", "award_type", "asset"),
                    List.of("reward-core/src/main/java/dev/redrain/core/catalog/"), List.of()),
            new Family("ledger", Set.of("ledger_account", "ledger_journal", "ledger_entry",
                    "ledger_refusal"),
                    List.of("reward-core/src/main/java/dev/redrain/core/ledger/"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/grab/"
                            + "RedisRebuilder.java",
                            "issuance-service/src/main/java/dev/redrain/issuance/wallet/"
                                    + "WalletService.java",
                            "local-stack/src/main/java/dev/redrain/stack/verify/Abuse.java",
                            "local-stack/src/main/java/dev/redrain/stack/verify/Chaos.java",
                            "local-stack/src/main/java/dev/redrain/stack/verify/Summary.java",
                            settlement("LegLookup"), settlement("LegsQuery"),
                            settlement("Repairer"), settlement("ReportWriter"),
                            settlement("SettlementJobConfig"))),
            new Family("accounts", Set.of("unified_account", "account_binding"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/account/"),
                    List.of("local-stack/src/main/java/dev/redrain/stack/verify/Abuse.java")),
            new Family("withdrawals", Set.of("wallet_withdrawal"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/wallet/"),
                    List.of("local-stack/src/main/java/dev/redrain/stack/verify/Abuse.java",
                            "local-stack/src/main/java/dev/redrain/stack/verify/Summary.java",
                            settlement("SettlementJobConfig"))),
            new Family("events", Set.of("outbox"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/events/"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/grab/"
                            + "RedisRebuilder.java",
                            "local-stack/src/main/java/dev/redrain/stack/verify/Abuse.java",
                            "local-stack/src/main/java/dev/redrain/stack/verify/Chaos.java",
                            "local-stack/src/main/java/dev/redrain/stack/verify/GrantRecord.java",
                            settlement("GrantEvidence"))),
            new Family("budgets", Set.of("budget_shard_load", "budget_epoch", "budget_raise",
                    "budget_rebuild"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/budget/",
                            "issuance-service/src/main/java/dev/redrain/issuance/grab/"
                                    + "RebuildRuns.java"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/grab/"
                            + "RedisRebuilder.java",
                            "local-stack/src/main/java/dev/redrain/stack/verify/Abuse.java")),
            new Family("audit", Set.of("admin_audit"),
                    List.of("issuance-service/src/main/java/dev/redrain/issuance/admin/"
                            + "AdminSupport.java"),
                    List.of("local-stack/src/main/java/dev/redrain/stack/verify/Abuse.java")),
            new Family("alerts", Set.of("budget_alert"),
                    List.of("budget-monitor-job/src/main/java/dev/redrain/monitor/"
                            + "AlertJdbcSink.java"),
                    List.of("local-stack/src/main/java/dev/redrain/stack/ops/Ops.java",
                            "local-stack/src/main/java/dev/redrain/stack/verify/Summary.java")),
            new Family("reconciliation", Set.of("payment_record", "settlement_run",
                    "settlement_report_file", "recon_break", "recon_redis_token",
                    "recon_import_error", "recon_repair", "recon_match_tally"),
                    List.of("nightly-settlement/src/main/java/"),
                    List.of("local-stack/src/main/java/dev/redrain/stack/ops/Ops.java",
                            "local-stack/src/main/java/dev/redrain/stack/verify/Chaos.java",
                            "local-stack/src/main/java/dev/redrain/stack/verify/Summary.java")));

    @Test
    void everyTableBelongsToOneFamily() {
        Set<String> owned = new TreeSet<>();
        for (Family family : FAMILIES) {
            for (String table : family.tables()) {
                assertThat(owned.add(table)).as("%s is in two families", table).isTrue();
            }
        }
        assertThat(owned).as("tables of the migrations, each in one family")
                .containsExactlyInAnyOrderElementsOf(migratedTables());
    }

    @Test
    void onlyAFamilysOwnerNamesItsTables() {
        Map<String, Set<String>> usersByTable = tableUsers();
        List<String> strays = new ArrayList<>();
        for (Family family : FAMILIES) {
            Set<String> users = new TreeSet<>();
            family.tables().forEach(table -> users.addAll(usersByTable.getOrDefault(table,
                    Set.of())));
            for (String user : users) {
                if (family.owners().stream().noneMatch(user::startsWith)
                        && !family.notYetMoved().contains(user)) {
                    strays.add(user + " names a table of " + family.name() + " " + family
                            .tables() + "; call its owner " + family.owners());
                }
            }
            for (String listed : family.notYetMoved()) {
                if (!users.contains(listed)) {
                    strays.add(listed + " no longer names " + family.name()
                            + ": take it off notYetMoved");
                }
            }
        }
        assertThat(strays).isEmpty();
    }

    @Test
    void theScanFindsSqlSplitOverLiterals() {
        String source = "String sql = \"SELECT a, b FROM\"\n            + \" reward_template WHERE"
                + " x = ?\";\nString attack = \"x'; DROP TABLE activity; --\";";
        assertThat(tablesNamed(source, Set.of("reward_template", "activity")))
                .containsExactly("reward_template");
    }

    @Test
    void aLongLiteralDoesNotOverflowTheStack() {
        String source = "String sql = \"SELECT x FROM rain WHERE note = '" + "a".repeat(200_000)
                + "'\";";
        assertThat(tablesNamed(source, Set.of("rain"))).containsExactly("rain");
    }

    /** Each table's users: production source files whose SQL names it, relative to the root. */
    private static Map<String, Set<String>> tableUsers() {
        Set<String> tables = migratedTables();
        Map<String, Set<String>> users = new TreeMap<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path module : modules.filter(path -> Files.isDirectory(path.resolve(
                    "src/main/java"))).filter(path -> !NOT_SCANNED.contains(
                            path.getFileName().toString())).toList()) {
                try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
                    for (Path file : files.filter(path -> path.toString().endsWith(".java"))
                            .toList()) {
                        String relative = ROOT.relativize(file).toString();
                        tablesNamed(Files.readString(file), tables).forEach(table -> users
                                .computeIfAbsent(table, name -> new TreeSet<>()).add(relative));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return users;
    }

    private static Set<String> tablesNamed(String source, Set<String> tables) {
        Set<String> named = new TreeSet<>();
        Matcher literal = LITERAL.matcher(JOINED.matcher(source).replaceAll(""));
        while (literal.find()) {
            String text = literal.group(1);
            if (!STATEMENT.matcher(text).find()) {
                continue;
            }
            for (String table : tables) {
                if (Pattern.compile("(?i)\\b(FROM|JOIN|INTO|UPDATE|TABLE)\\s+`?" + table
                        + "\\b").matcher(text).find()) {
                    named.add(table);
                }
            }
        }
        return named;
    }

    private static Set<String> migratedTables() {
        Set<String> tables = new TreeSet<>();
        Pattern create = Pattern.compile("(?i)CREATE TABLE\\s+(?:IF NOT EXISTS\\s+)?`?(\\w+)");
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

    private static String settlement(String className) {
        return "nightly-settlement/src/main/java/dev/redrain/settlement/" + className + ".java";
    }
}
