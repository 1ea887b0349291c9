package dev.redrain.bench.grab;

import dev.redrain.core.catalog.Template;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.client.RequestSigner;
import dev.redrain.issuance.IssuanceApplication;
import dev.redrain.issuance.account.AccountService;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.budget.BudgetStore;
import dev.redrain.issuance.budget.LuaScript;
import dev.redrain.issuance.grab.GrabCommand;
import dev.redrain.issuance.grab.GrabService;
import dev.redrain.testsupport.EmbeddedKafka;
import dev.redrain.testsupport.RedisExtension;
import dev.redrain.testsupport.TestServices;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Grabs per second against the raw limit of the resource they stand on, in one run on the same
 * Redis: <b>raw</b> is the budget reservation Lua script itself (what every grab runs once),
 * called by the same number of threads over the same Lettuce connection; <b>service layer</b>
 * is {@code GrabService.grab} (claim, reserve, token sealing, commit, Kafka send);
 * <b>HTTP</b> adds Tomcat, JSON and the HMAC signature check with its nonce. Options:
 * {@code --threads 64 --seconds 10 --warmup 5 --users 5000 --tomcat-threads 200}. Writes
 * {@code bench/target/grab.md}.
 */
public final class GrabBenchmark {
    /** Rains declared for the run: grabs may name only declared rains. */
    private static final int RAINS = 2_000;
    static final String APP = "bench";
    private static final String SECRET = "bench-secret-0123456789abcdef0123456789";

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int threads = Integer.parseInt(options.getOrDefault("threads", "64"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "10"));
        int users = Integer.parseInt(options.getOrDefault("users", "5000"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup", "5"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        String database = "rdb_grab_" + UUID.randomUUID().toString().substring(0, 8);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            createDatabase(database, true);
            String namespace = "bench" + UUID.randomUUID().toString().substring(0, 6);
            kafka.createTopics(Map.of("g" + namespace + ".token-issued.v1", 8));
            ConfigurableApplicationContext app = start(kafka, database, namespace,
                    options.getOrDefault("tomcat-threads", "200"));
            try {
                List<String> table = run(app, threads, seconds, users, warmup, rounds);
                String text = String.join("\n", table);
                System.out.println(text);
                Path out = Path.of("bench", "target", "grab.md");
                Files.createDirectories(out.getParent());
                Files.writeString(out, text + "\n");
            } finally {
                app.close();
                createDatabase(database, false);
                deleteNamespace(namespace);
            }
        }
        System.exit(0);
    }

    private static List<String> run(ConfigurableApplicationContext app, int threads, int seconds,
            int users, int warmup, int rounds) throws Exception {
        JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
        seed(jdbc);
        app.getBean(CatalogRefresher.class).reload();
        app.getBean(BudgetGuard.class).check();
        AccountService accounts = app.getBean(AccountService.class);
        for (int i = 0; i < users; i++) {
            accounts.bind(APP, "u" + i);
        }
        Template template = app.getBean(CatalogRefresher.class).current().template("bench-cash")
                .orElseThrow();
        RedisKeys keys = app.getBean(RedisKeys.class);
        @SuppressWarnings("unchecked")
        RedisCommands<String, String> redis = ((StatefulRedisConnection<String, String>)
                app.getBean("redis")).sync();
        GrabService grabs = app.getBean(GrabService.class);
        int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
        // HTTP/1.1 with keep-alive, as an app server's client would talk to the service.
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        // Warm-up of each path, then interleaved rounds of the three, all on the same Redis:
        // each round's ratios are against that round's raw rate, and the medians are reported.
        AtomicLong grabbed = new AtomicLong();
        List<MeasuredPath> paths = List.of(
                new MeasuredPath("Raw: the budget reservation Lua script alone (EVALSHA, same"
                        + " connection)", i -> rawReserve(redis, keys, template, i)),
                // Every grab a new (user, rain) pair: each user grabs once in each rain.
                new MeasuredPath("**Service layer**: GrabService.grab (claim, reserve, seal, commit,"
                        + " event recorded)", i -> grabs.grab(command(grabbed.getAndIncrement(),
                                users))),
                new MeasuredPath("**HTTP**: signed POST /v1/grab through Tomcat", i -> httpGrab(http,
                        port, grabbed.getAndIncrement(), users)));
        for (MeasuredPath path : paths) {
            measure(threads, warmup, path.call());
        }
        List<Map<String, Long>> cpu = new ArrayList<>();
        List<double[]> rates = new ArrayList<>();
        List<double[]> p50 = new ArrayList<>();
        List<double[]> p99 = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            cpu.add(new HashMap<>());
            rates.add(new double[rounds]);
            p50.add(new double[rounds]);
            p99.add(new double[rounds]);
        }
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < paths.size(); i++) {
                Map<String, Long> before = threadCpu();
                rates.get(i)[round] = measure(threads, seconds, paths.get(i).call());
                p50.get(i)[round] = LATENCY.getValueAtPercentile(50) / 1e6;
                p99.get(i)[round] = LATENCY.getValueAtPercentile(99) / 1e6;
                Map<String, Long> spent = minus(threadCpu(), before);
                int path = i;
                spent.forEach((group, nanos) -> cpu.get(path).merge(group, nanos, Long::sum));
            }
        }

        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%d threads, %d rounds of %d s per measurement"
                + " (interleaved: raw, service, HTTP) after %d s of warm-up each, %d users, one"
                + " FIXED cash template over 16 shards; medians over the rounds", threads, rounds,
                seconds, warmup, users));
        lines.add("");
        lines.add("| Measurement | Grabs/s | Ratio to raw | p50 / p99 latency |");
        lines.add("|---|---:|---:|---:|");
        for (int i = 0; i < paths.size(); i++) {
            double[] ratios = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                ratios[round] = rates.get(i)[round] / rates.get(0)[round];
            }
            lines.add(String.format(Locale.ROOT, "| %s | %,.0f | %.0f%% | %.2f / %.2f ms |",
                    paths.get(i).name(), median(rates.get(i)), 100 * median(ratios),
                    median(p50.get(i)), median(p99.get(i))));
        }
        lines.add("");
        lines.add("Each round (grabs/s, raw / service / HTTP): " + IntStream
                .range(0, rounds).mapToObj(round -> String.format(Locale.ROOT,
                        "%,.0f / %,.0f / %,.0f", rates.get(0)[round], rates.get(1)[round],
                        rates.get(2)[round])).collect(Collectors.joining("; ")));
        lines.add("");
        lines.add("CPU of this JVM per operation, by thread group (microseconds; Redis and MariaDB"
                + " are other processes):");
        lines.add("");
        TreeSet<String> groups = new TreeSet<>();
        cpu.forEach(spent -> groups.addAll(spent.keySet()));
        lines.add("| Thread group | Raw | Service layer | HTTP |");
        lines.add("|---|---:|---:|---:|");
        for (String group : groups) {
            StringBuilder row = new StringBuilder("| " + group + " |");
            for (int i = 0; i < paths.size(); i++) {
                double operations = Arrays.stream(rates.get(i)).sum() * seconds;
                row.append(String.format(Locale.ROOT, " %.0f |", perOp(cpu.get(i), group,
                        operations)));
            }
            lines.add(row.toString());
        }
        return lines;
    }

    /** One measured path: its name in the table and one call of it. */
    private record MeasuredPath(String name, IntConsumer call) {
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle]
                : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** CPU nanoseconds so far of every live thread, summed by thread-name group. */
    private static Map<String, Long> threadCpu() {
        ThreadMXBean mx =
                ManagementFactory.getThreadMXBean();
        Map<String, Long> byGroup = new HashMap<>();
        byGroup.put("load threads (the grab logic, in-process)", LOAD_CPU_NANOS.get());
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long nanos = mx.getThreadCpuTime(info.getThreadId());
            // Load threads ("pool-") report their own CPU when they finish (LOAD_CPU_NANOS).
            if (nanos > 0 && !group(info.getThreadName()).isEmpty()) {
                byGroup.merge(group(info.getThreadName()), nanos, Long::sum);
            }
        }
        return byGroup;
    }

    private static String group(String threadName) {
        String[][] groups = {{"pool-", ""}, {"http-nio", "Tomcat workers"},
            {"lettuce", "Lettuce I/O"}, {"kafka-producer", "Kafka producer"},
            {"data-plane", "Kafka broker (in-process)"}, {"kafka-", "Kafka broker (in-process)"},
            {"quorum", "Kafka broker (in-process)"}, {"HikariPool", "JDBC pool"},
            {"outbox", "outbox writer"}, {"scheduling", "scheduled tasks"},
            {"GC ", "JVM (GC, JIT)"}, {"C2 ", "JVM (GC, JIT)"}, {"C1 ", "JVM (GC, JIT)"}};
        for (String[] candidate : groups) {
            if (threadName.startsWith(candidate[0])) {
                return candidate[1];
            }
        }
        return "other";
    }

    private static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> delta = new HashMap<>();
        after.forEach((group, nanos) -> delta.put(group, nanos - before.getOrDefault(group,
                0L)));
        return delta;
    }

    private static double perOp(Map<String, Long> cpu, String group, double operations) {
        return cpu.getOrDefault(group, 0L) / 1_000.0 / Math.max(1, operations);
    }

    /** The grab's own reservation script, run by itself: the raw Redis limit. */
    private static final LuaScript RAW_RESERVE = LuaScript.fromResource(BudgetStore.class,
            "reserve.lua", ScriptOutputType.MULTI);

    private static void rawReserve(RedisCommands<String, String> redis, RedisKeys keys,
            Template template, int i) {
        int shard = i % 16;
        RAW_RESERVE.run(redis, new String[] {keys.budgetRemaining(template.templateId(), shard),
            keys.budgetGranted(template.templateId(), shard),
            keys.packetPool(template.templateId(), shard, "all")}, "EXACT", "1");
    }

    static GrabCommand command(long grab, int users) {
        return new GrabCommand(APP, "u" + (grab % users), "bench", "scene-1", rainOf(grab, users),
                null);
    }

    /** The declared rain of the {@code grab}-th grab: each user grabs once per rain. */
    private static String rainOf(long grab, int users) {
        long rain = grab / users;
        if (rain >= RAINS) {
            throw new IllegalStateException("the benchmark ran past its " + RAINS + " declared"
                    + " rains; raise RAINS or users");
        }
        return "rain-" + rain;
    }

    /**
     * One keep-alive HTTP/1.1 connection per load thread, written and read by hand: the JDK
     * HttpClient cost the load generator more CPU than the server spent (docs/benchmarks.md).
     */
    private static final ThreadLocal<HttpConnection> CONNECTIONS = new ThreadLocal<>();

    /** A socket with a buffered reader side: reading a byte per system call cost the client. */
    private record HttpConnection(Socket socket, InputStream in) {
    }

    private static void httpGrab(HttpClient unused, int port, long grab, int users) {
        byte[] body = ("{\"appId\":\"" + APP + "\",\"userId\":\"u" + (grab % users)
                + "\",\"activityId\":\"bench\",\"sceneId\":\"scene-1\",\"rainId\":\""
                + rainOf(grab, users) + "\"}").getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST /v1/grab HTTP/1.1\r\nHost: 127.0.0.1:")
                .append(port).append("\r\nContent-Type: application/json\r\nContent-Length: ")
                .append(body.length).append("\r\n");
        RequestSigner.headers(APP, SECRET, "POST", "/v1/grab", body).forEach((name, value) ->
                head.append(name).append(": ").append(value).append("\r\n"));
        head.append("\r\n");
        try {
            HttpConnection connection = CONNECTIONS.get();
            if (connection == null) {
                Socket socket = new Socket("127.0.0.1", port);
                socket.setTcpNoDelay(true);
                connection = new HttpConnection(socket, new BufferedInputStream(
                        socket.getInputStream(), 8192));
                CONNECTIONS.set(connection);
            }
            var out = connection.socket().getOutputStream();
            // One write, so the request leaves in one segment (TCP_NODELAY is on).
            byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
            byte[] request = Arrays.copyOf(headBytes, headBytes.length + body.length);
            System.arraycopy(body, 0, request, headBytes.length, body.length);
            out.write(request);
            out.flush();
            if (readResponse(connection.in())) {
                // Tomcat ends a keep-alive connection after 100 requests (its default).
                connection.socket().close();
                CONNECTIONS.remove();
            }
        } catch (IOException e) {
            CONNECTIONS.remove();
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads one response (Content-Length or chunked); fails unless it is a 200. True when the
     * server closes the connection after it.
     */
    private static boolean readResponse(InputStream in) throws IOException {
        String status = line(in);
        int length = -1;
        boolean chunked = false;
        boolean close = false;
        for (String header = line(in); !header.isEmpty();
                header = line(in)) {
            String lower = header.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(header.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
            }
        }
        if (chunked) {
            for (int size = Integer.parseInt(line(in).trim(), 16); size > 0;
                    size = Integer.parseInt(line(in).trim(), 16)) {
                in.readNBytes(size);
                line(in);
            }
            line(in);
        } else if (length > 0) {
            in.readNBytes(length);
        }
        if (!status.startsWith("HTTP/1.1 200")) {
            throw new IllegalStateException(status);
        }
        return close;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private static final AtomicLong LOAD_CPU_NANOS = new AtomicLong();

    /** Latency of the calls of the last measurement (nanoseconds). */
    private static final org.HdrHistogram.ConcurrentHistogram LATENCY =
            new org.HdrHistogram.ConcurrentHistogram(3_600_000_000_000L, 3);

    /**
     * Calls {@code call} from {@code threads} threads for {@code seconds}; returns calls/s.
     * Each call's latency goes to {@link #LATENCY}, reset at the start.
     */
    private static double measure(int threads, int seconds, IntConsumer call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicLong done = new AtomicLong();
        LATENCY.reset();
        ThreadMXBean mx =
                ManagementFactory.getThreadMXBean();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        List<Future<?>> runs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int offset = t;
            runs.add(pool.submit(() -> {
                long cpuStart = mx.getCurrentThreadCpuTime();
                int i = offset;
                while (System.nanoTime() < end) {
                    long callStart = System.nanoTime();
                    call.accept(i);
                    LATENCY.recordValue(System.nanoTime() - callStart);
                    i += threads;
                    done.incrementAndGet();
                }
                // The pool's threads end with the measurement: they report their own CPU.
                LOAD_CPU_NANOS.addAndGet(mx.getCurrentThreadCpuTime() - cpuStart);
            }));
        }
        for (Future<?> run : runs) {
            run.get();
        }
        pool.shutdown();
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    static void seed(JdbcTemplate jdbc) {
        Timestamp starts = Timestamp.from(Instant.now().minus(1, ChronoUnit.HOURS));
        Timestamp ends = Timestamp.from(Instant.now().plus(1, ChronoUnit.DAYS));
        jdbc.update("INSERT INTO activity (activity_id, name, live_stage, starts_at, ends_at,"
                + " status) VALUES ('bench', 'Bench', 'FORMAL', ?, ?, 'ACTIVE')", starts, ends);
        jdbc.update("INSERT INTO activity (activity_id, parent_activity_id, name, stage,"
                + " starts_at, ends_at, status) VALUES ('bench-formal', 'bench', 'Bench formal',"
                + " 'FORMAL', ?, ?, 'ACTIVE')", starts, ends);
        jdbc.update("INSERT INTO reward_template (template_id, activity_id, award_type, currency,"
                + " amount_rule, fixed_amount_minor, budget_minor, budget_shards) VALUES"
                + " ('bench-cash', 'bench-formal', 'CASH', 'CNY', 'FIXED', 1, 1000000000000, 16)");
        List<Object[]> rains = new ArrayList<>();
        for (int rain = 0; rain < RAINS; rain++) {
            rains.add(new Object[] {"rain-" + rain, starts, ends});
        }
        jdbc.batchUpdate("INSERT INTO rain (parent_activity_id, rain_id, opens_at, closes_at)"
                + " VALUES ('bench', ?, ?, ?)", rains);
        jdbc.batchUpdate("INSERT INTO rain_scene (parent_activity_id, rain_id, scene_id,"
                + " award_type) VALUES ('bench', ?, 'scene-1', 'CASH')", rains.stream()
                        .map(row -> new Object[] {row[0]}).toList());
    }

    static ConfigurableApplicationContext start(EmbeddedKafka kafka, String database,
            String namespace, String tomcatThreads) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Map<String, String> settings = new LinkedHashMap<>(Map.of(
                "server.port", "0",
                "spring.datasource.url", TestServices.jdbcUrl(database),
                "spring.datasource.username", TestServices.databaseUser(),
                "spring.datasource.password", TestServices.databasePassword(),
                "redrain.redis-uri", TestServices.redisUri(),
                "redrain.namespace", namespace,
                "redrain.kafka-bootstrap", kafka.bootstrapServers(),
                "redrain.topic-prefix", "g" + namespace + ".",
                "redrain.token-keys", "k1:" + Base64.getEncoder().encodeToString(key),
                "redrain.token-active-key-id", "k1"));
        settings.putAll(Map.of("server.tomcat.threads.max", tomcatThreads,
                "redrain.apps." + APP + ".secret", SECRET,
                "redrain.rate.user-per-second", "0", "logging.level.root", "WARN",
                "redrain.payment.channel", "simulated"));
        // As command-line arguments: they take precedence over application.yml.
        return new SpringApplicationBuilder(IssuanceApplication.class).run(settings.entrySet()
                .stream().map(entry -> "--" + entry.getKey() + "=" + entry.getValue())
                .toArray(String[]::new));
    }

    /** The run's Redis keys (budgets, grab records, tokens): a benchmark leaves nothing behind. */
    static void deleteNamespace(String namespace) {
        RedisExtension.deleteNamespace(TestServices.redisUri(), namespace);
    }

    static void createDatabase(String name, boolean create) throws Exception {
        try (Connection connection = DriverManager.getConnection(TestServices.jdbcUrl(""),
                TestServices.databaseUser(), TestServices.databasePassword());
                Statement statement = connection.createStatement()) {
            statement.execute(create ? "CREATE DATABASE " + name : "DROP DATABASE IF EXISTS "
                    + name);
        }
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return options;
    }
}
