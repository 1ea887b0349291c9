package dev.redrain.stack;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.kafkabroker.KafkaBrokerProcess;
import dev.redrain.stack.channel.PaymentChannel;
import dev.redrain.stack.load.IssuanceClient;
import dev.redrain.stack.ops.Dashboard;
import dev.redrain.stack.ops.Ops;
import dev.redrain.stack.run.ChildJvm;
import dev.redrain.stack.run.FlinkJobs;
import dev.redrain.stack.run.LatencyProxy;
import dev.redrain.stack.run.LocalServices;
import dev.redrain.stack.run.StackInfo;
import dev.redrain.stack.run.StackSettings;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole platform on this machine: MariaDB and Redis (found or embedded), a Kafka broker
 * in a child JVM, the issuance service (one or more child JVMs, each {@code java -jar} of its
 * executable jar), both Flink jobs on a MiniCluster, the payment channel simulator and the ops
 * dashboard. Every secret is generated for the run. Closing stops everything, in reverse.
 */
public final class Stack implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final StackSettings settings;
    private final PrintStream out;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final List<ChildJvm> issuance = new ArrayList<>();
    private LocalServices services;
    private HikariDataSource dataSource;
    private KafkaBrokerProcess kafka;
    private LatencyProxy mysqlProxy;
    private PaymentChannel channel;
    private FlinkJobs flink;
    private Ops ops;
    private Dashboard dashboard;
    private StackInfo info;
    private IssuanceClient client;

    private Stack(StackSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    public static Stack start(StackSettings settings, PrintStream out) throws Exception {
        Stack stack = new Stack(settings, out);
        try {
            stack.startAll();
            return stack;
        } catch (Exception | Error e) {
            stack.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        Path run = settings.runDirectory();
        Files.createDirectories(run);
        long t0 = System.nanoTime();
        services = LocalServices.resolve(settings.mysql(), settings.mysqlUser(), settings.redis(),
                settings.embedded(), settings.faultable(), run, out);
        started.add(services);
        step(t0, services.describe());
        LocalServices.Database direct = services.database();
        direct.recreate(settings.database());
        // The stack's own reads (dashboard, summary) go straight to MySQL; the parts go through
        // the latency proxy when the stack is faultable.
        dataSource = dataSource(direct.jdbcUrl(settings.database()), direct);
        LocalServices.Database database = direct;
        if (settings.faultable()) {
            mysqlProxy = new LatencyProxy(direct.host(), direct.port());
            started.add(mysqlProxy);
            database = new LocalServices.Database("127.0.0.1", mysqlProxy.port(), direct.user(),
                    direct.password(), "through a latency proxy");
        }
        started.add(dataSource);
        RedrainSchema.migrate(dataSource);
        emptyNamespace(services.redisUri(), settings.namespace());
        step(t0, "database " + settings.database() + " migrated, Redis namespace "
                + settings.namespace() + " empty");

        kafka = KafkaBrokerProcess.start(run.resolve("kafka"));
        started.add(kafka);
        Topics topics = new Topics(StackSettings.TOPIC_PREFIX);
        kafka.createTopics(Map.of(topics.tokenIssued(), 4, topics.tokenCredited(), 2,
                topics.budgetAlerts(), 1, topics.tokenIssuedDeadLetter(), 1));
        step(t0, "Kafka broker " + kafka.bootstrapServers() + " (child JVM)");

        Map<String, String> appSecrets = new LinkedHashMap<>();
        StackSettings.APPS.forEach(app -> appSecrets.put(app, secret(32)));
        String operatorToken = secret(24);
        String viewerToken = secret(24);
        // Two reviewers: a corrective journal needs one to propose and another to approve.
        Map<String, String> financeTokens = new LinkedHashMap<>();
        financeTokens.put("finance-1", secret(24));
        financeTokens.put("finance-2", secret(24));
        String merchantKey = secret(24);
        channel = new PaymentChannel(Clock.systemUTC(), ZoneId.of(StackSettings.BUSINESS_ZONE),
                LocalServices.freePort(),
                kafka.bootstrapServers(), topics.tokenCredited(), cashCurrencies(),
                merchantKey, settings.channel(), run.resolve("statements"));
        started.add(channel);

        // One key ring for the run: the service seals tokens and signs grants with it, the
        // credit job and the settlement verify with it.
        String tokenKeys = "k1:" + Base64.getEncoder().encodeToString(bytes(32));
        Path properties = issuanceProperties(run, database, appSecrets, operatorToken,
                viewerToken, financeTokens, merchantKey, tokenKeys);
        List<String> urls = startIssuance(properties, database);
        step(t0, "issuance service: " + String.join(", ", urls));

        int dashboardPort = settings.dashboardPort() == 0 ? LocalServices.freePort()
                : settings.dashboardPort();
        String dashboardUrl = "http://127.0.0.1:" + dashboardPort;
        flink = FlinkJobs.start(run.resolve("flink"), settings.flinkPort(),
                creditParameters(database, ownerOnlyFile(run.resolve("token-keys"), tokenKeys)),
                monitorParameters(database, dashboardUrl));
        started.add(flink);
        step(t0, "Flink MiniCluster " + flink.webUrl() + ": credit and budget-monitor jobs"
                + " (metrics for Prometheus at " + flink.metricsUrl() + ")");

        info = new StackInfo(urls, dashboardUrl, flink.webUrl(), channel.payoutUrl(),
                database.jdbcUrl(settings.database()), database.user(), services.redisUri(),
                settings.namespace(), kafka.bootstrapServers(), StackSettings.TOPIC_PREFIX,
                appSecrets, operatorToken, viewerToken, financeTokens, merchantKey,
                run.toString(),
                StackSettings.BUSINESS_ZONE, tokenKeys);
        info.write(run);
        // The apps' request timeout: 5 s; 10 s on a faultable stack, whose MySQL may be slowed
        // to half a second a round trip (a new user's binding takes several).
        client = new IssuanceClient(urls, appSecrets, operatorToken,
                Duration.ofSeconds(settings.faultable() ? 10 : 5), 64);
        ops = new Ops(client, dataSource, channel, flink, this::issuanceAlive);
        started.add(ops);
        dashboard = new Dashboard(dashboardPort, ops, settings.home()
                .resolve("runbooks"));
        started.add(dashboard);
        step(t0, "ops dashboard " + dashboardUrl);
    }

    private void step(long t0, String what) {
        out.printf("  [%5.1f s] %s%n", (System.nanoTime() - t0) / 1e9, what);
    }

    public StackInfo info() {
        return info;
    }

    public IssuanceClient client() {
        return client;
    }

    public PaymentChannel channel() {
        return channel;
    }

    public FlinkJobs flink() {
        return flink;
    }

    public Ops ops() {
        return ops;
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    public KafkaBrokerProcess kafka() {
        return kafka;
    }

    public List<ChildJvm> issuanceInstances() {
        return List.copyOf(issuance);
    }

    public StackSettings settings() {
        return settings;
    }

    /**
     * The issuance instances' own words for the refusals they answered around the given times
     * (the ProblemHandler's "Redis/MySQL failed during ..." lines with the exception, and any
     * ERROR line, within 3 s of one of them), the first {@code max}: printed when a rain saw a
     * 5xx, so a failure on a machine nobody can log into says which dependency and why.
     */
    public List<String> issuanceFailureLines(List<Instant> around, int max) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < issuance.size() && lines.size() < max; i++) {
            Path log = settings.runDirectory().resolve("logs").resolve("issuance-" + (i + 1)
                    + ".log");
            if (!Files.isRegularFile(log)) {
                continue;
            }
            String instance = "issuance-" + (i + 1) + ": ";
            try (var stream = Files.lines(log, StandardCharsets.UTF_8)) {
                stream.filter(line -> line.contains(" failed during ") || line.contains(" ERROR "))
                        .filter(line -> near(line, around))
                        .limit(max - lines.size())
                        .forEach(line -> lines.add(instance + line.substring(0,
                                Math.min(400, line.length()))));
            } catch (IOException | UncheckedIOException e) {
                lines.add(instance + "log unreadable: " + e);
            }
        }
        return lines;
    }

    /** True when the log line's leading timestamp is within 3 s of one of the times. */
    private static boolean near(String line, List<Instant> times) {
        int end = line.indexOf(' ');
        if (end < 0) {
            return false;
        }
        Instant at;
        try {
            at = OffsetDateTime.parse(line.substring(0, end)).toInstant();
        } catch (DateTimeParseException e) {
            return false;
        }
        return times.stream().anyMatch(time -> Math.abs(Duration.between(time, at)
                .toMillis()) <= 3_000);
    }

    public LocalServices services() {
        return services;
    }

    /** The latency proxy in front of MySQL (faultable stacks only), else null. */
    public LatencyProxy mysqlProxy() {
        return mysqlProxy;
    }

    private List<String> issuanceAlive() {
        List<String> alive = new ArrayList<>();
        for (int i = 0; i < issuance.size(); i++) {
            if (issuance.get(i).alive()) {
                alive.add(info.issuanceUrls().get(i));
            }
        }
        return alive;
    }

    private List<String> startIssuance(Path properties, LocalServices.Database database)
            throws Exception {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < settings.instances(); i++) {
            // 0: a free port each (tests), taken right before the instance starts.
            // Further instances take port+10, port+11, ... (port+1 is Flink's 8081).
            int port = settings.issuancePort() == 0 ? LocalServices.freePort()
                    : i == 0 ? settings.issuancePort() : settings.issuancePort() + 9 + i;
            ChildJvm jvm = new ChildJvm("issuance-" + (i + 1),
                    settings.jar("issuance-service", "exec"), "768m",
                    List.of("--server.port=" + port,
                            "--spring.config.additional-location=file:" + properties),
                    Map.of("REDRAIN_JDBC_PASSWORD", database.password()),
                    settings.runDirectory().resolve("logs").resolve("issuance-" + (i + 1)
                            + ".log"));
            jvm.start();
            issuance.add(jvm);
            started.add(jvm);
            urls.add("http://127.0.0.1:" + port);
        }
        for (int i = 0; i < issuance.size(); i++) {
            issuance.get(i).awaitHealthy(urls.get(i) + "/actuator/health", Duration.ofMinutes(3));
        }
        return urls;
    }

    /** Restarts an issuance instance after it was killed (the chaos suite's fault). */
    public void restartIssuance(int index) throws Exception {
        ChildJvm jvm = issuance.get(index);
        jvm.start();
        jvm.awaitHealthy(info.issuanceUrls().get(index) + "/actuator/health",
                Duration.ofMinutes(3));
    }

    private Path issuanceProperties(Path run, LocalServices.Database database,
            Map<String, String> appSecrets, String operatorToken, String viewerToken,
            Map<String, String> financeTokens, String merchantKey, String tokenKeys)
            throws IOException {
        List<String> lines = new ArrayList<>(List.of(
                "spring.datasource.url=" + database.jdbcUrl(settings.database()),
                "spring.datasource.username=" + database.user(),
                "redrain.redis-uri=" + services.redisUri(),
                "redrain.namespace=" + settings.namespace(),
                "redrain.kafka-bootstrap=" + kafka.bootstrapServers(),
                "redrain.topic-prefix=" + StackSettings.TOPIC_PREFIX,
                "redrain.business-zone=" + StackSettings.BUSINESS_ZONE,
                "redrain.token-keys=" + tokenKeys,
                "redrain.token-active-key-id=k1",
                "redrain.admins.ops.token-sha256=" + sha256(operatorToken),
                "redrain.admins.ops.role=OPERATOR",
                "redrain.admins.viewer.token-sha256=" + sha256(viewerToken),
                "redrain.admins.viewer.role=VIEWER",
                "redrain.payment.channel=http",
                "redrain.payment.url=" + channel.payoutUrl(),
                "redrain.payment.merchant-key=" + merchantKey,
                // A lost payout answer is settled within seconds, before the night's cut-off.
                "redrain.payment.resolve-interval=2s",
                "redrain.payment.resolve-after=3s",
                "redrain.catalog-refresh=1s",
                "logging.level.root=WARN",
                "logging.level.dev.redrain=INFO"));
        financeTokens.forEach((name, token) -> {
            lines.add("redrain.admins." + name + ".token-sha256=" + sha256(token));
            lines.add("redrain.admins." + name + ".role=FINANCE");
        });
        appSecrets.forEach((app, secret) -> {
            lines.add("redrain.apps." + app + ".secret=" + secret);
            lines.add("redrain.apps." + app + ".account-center=bytedance");
        });
        Path file = run.resolve("issuance.properties");
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    private Map<String, String> creditParameters(LocalServices.Database database,
            Path tokenKeysFile) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("token.keys-file", tokenKeysFile.toString());
        parameters.put("kafka.bootstrap", kafka.bootstrapServers());
        parameters.put("topic.prefix", StackSettings.TOPIC_PREFIX);
        parameters.put("jdbc.url", database.jdbcUrl(settings.database()));
        parameters.put("jdbc.user", database.user());
        parameters.put("jdbc.password", database.password());
        parameters.put("redis.uri", services.redisUri());
        parameters.put("redis.namespace", settings.namespace());
        parameters.put("checkpoint.interval-ms", "2000");
        parameters.put("batch.flush-ms", "100");
        parameters.put("parallelism", "2");
        return parameters;
    }

    private Map<String, String> monitorParameters(LocalServices.Database database,
            String dashboardUrl) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("kafka.bootstrap", kafka.bootstrapServers());
        parameters.put("topic.prefix", StackSettings.TOPIC_PREFIX);
        parameters.put("jdbc.url", database.jdbcUrl(settings.database()));
        parameters.put("jdbc.user", database.user());
        parameters.put("jdbc.password", database.password());
        parameters.put("redis.uri", services.redisUri());
        parameters.put("redis.namespace", settings.namespace());
        parameters.put("checkpoint.interval-ms", "5000");
        // A demo rain lasts a minute or two: judge burn in 10-second windows.
        parameters.put("window-ms", "10000");
        parameters.put("rules.refresh-ms", "2000");
        parameters.put("watermark.out-of-orderness-ms", "2000");
        parameters.put("watermark.idleness-ms", "5000");
        parameters.put("runbook.url", dashboardUrl + "/runbooks/budget-alert.md");
        parameters.put("parallelism", "1");
        return parameters;
    }

    private Set<String> cashCurrencies() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            return new CatalogStore().cashAssets(connection);
        }
    }

    private static HikariDataSource dataSource(String url, LocalServices.Database database) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(database.user());
        config.setPassword(database.password());
        config.setMaximumPoolSize(4);
        config.setPoolName("redrain-stack");
        return new HikariDataSource(config);
    }

    /** Deletes the namespace's keys (SCAN, never KEYS): a fresh run starts with none. */
    static void emptyNamespace(String redisUri, String namespace) {
        RedisClient redis = RedisClient.create(redisUri);
        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = connection.sync().scan(cursor,
                        ScanArgs.Builder.matches(namespace + ":*").limit(1000));
                if (!page.getKeys().isEmpty()) {
                    connection.sync().unlink(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            redis.shutdown();
        }
    }

    /** Writes {@code content} to a file only its owner can read; returns the file. */
    private static Path ownerOnlyFile(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String secret(int length) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(length));
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Stops what was started, last first; safe to call twice (Ctrl-C and the command's end). */
    @Override
    public synchronized void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                out.println("  (stopping " + started.get(i).getClass().getSimpleName()
                        + ": " + e + ")");
            }
        }
        started.clear();
    }
}
