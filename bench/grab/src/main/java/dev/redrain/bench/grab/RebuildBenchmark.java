package dev.redrain.bench.grab;

import dev.redrain.issuance.account.AccountService;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.grab.GrabService;
import dev.redrain.issuance.grab.RedisRebuilder;
import dev.redrain.testsupport.EmbeddedKafka;
import dev.redrain.testsupport.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * How long a full budget rebuild of a rain's worth of grants takes (Redis lost, grabs refused
 * until it ends), against the raw limit of what it must do, in one run on the same machine:
 * <b>raw</b> is a bare consumer reading the token-issued topic to its end (bytes, no decoding)
 * plus the same number of pipelined Redis writes (SET, 1,000 in flight); <b>rebuild</b> is
 * {@code RedisRebuilder.rebuild()} after the namespace's keys were deleted. Both run while
 * {@code --load-threads} threads keep the CPU busy (the rest of a loaded machine). Options:
 * {@code --grants 45000 --rounds 3 --load-threads 2 --users 5000}. Writes
 * {@code bench/target/rebuild.md}.
 */
public final class RebuildBenchmark {
    private static final int GRAB_THREADS = 32;
    private static final int PIPELINE = 1_000;

    public static void main(String[] args) throws Exception {
        Map<String, String> options = GrabBenchmark.options(args);
        int grants = Integer.parseInt(options.getOrDefault("grants", "45000"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        int loadThreads = Integer.parseInt(options.getOrDefault("load-threads", "2"));
        int users = Integer.parseInt(options.getOrDefault("users", "5000"));
        String database = "rdb_rebuild_" + UUID.randomUUID().toString().substring(0, 8);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            GrabBenchmark.createDatabase(database, true);
            String namespace = "bench" + UUID.randomUUID().toString().substring(0, 6);
            String topic = "g" + namespace + ".token-issued.v1";
            kafka.createTopics(Map.of(topic, 8));
            ConfigurableApplicationContext app = GrabBenchmark.start(kafka, database, namespace,
                    "50");
            try {
                grant(app, grants, users);
                List<String> table = measure(app, kafka.bootstrapServers(), topic, namespace,
                        grants, rounds, loadThreads);
                String text = String.join("\n", table);
                System.out.println(text);
                Path out = Path.of("bench", "target", "rebuild.md");
                Files.createDirectories(out.getParent());
                Files.writeString(out, text + "\n");
            } finally {
                app.close();
                GrabBenchmark.createDatabase(database, false);
                GrabBenchmark.deleteNamespace(namespace);
                GrabBenchmark.deleteNamespace(namespace + "raw");
            }
        }
        System.exit(0);
    }

    /** {@code grants} real grabs through the service: each one recorded before it answers. */
    private static void grant(ConfigurableApplicationContext app, int grants, int users)
            throws Exception {
        JdbcTemplate jdbc = app.getBean(JdbcTemplate.class);
        GrabBenchmark.seed(jdbc);
        app.getBean(CatalogRefresher.class).reload();
        app.getBean(BudgetGuard.class).check();
        AccountService accounts = app.getBean(AccountService.class);
        for (int i = 0; i < users; i++) {
            accounts.bind(GrabBenchmark.APP, "u" + i);
        }
        GrabService grabs = app.getBean(GrabService.class);
        AtomicLong next = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(GRAB_THREADS);
        List<Future<?>> runs = new ArrayList<>();
        long started = System.nanoTime();
        for (int t = 0; t < GRAB_THREADS; t++) {
            runs.add(pool.submit(() -> {
                for (long grab = next.getAndIncrement(); grab < grants;
                        grab = next.getAndIncrement()) {
                    grabs.grab(GrabBenchmark.command(grab, users));
                }
            }));
        }
        for (Future<?> run : runs) {
            run.get();
        }
        pool.shutdown();
        System.out.printf(Locale.ROOT, "%,d grants in %.1f s%n", grants,
                (System.nanoTime() - started) / 1e9);
    }

    private static List<String> measure(ConfigurableApplicationContext app, String bootstrap,
            String topic, String namespace, int grants, int rounds, int loadThreads)
            throws Exception {
        RedisRebuilder rebuilder = app.getBean(RedisRebuilder.class);
        RedisClient client = RedisClient.create(TestServices.redisUri());
        double[] raw = new double[rounds];
        double[] rebuild = new double[rounds];
        double[] ratio = new double[rounds];
        long[] readMs = new long[rounds];
        long[] restoreMs = new long[rounds];
        int events = 0;
        AtomicBoolean loaded = new AtomicBoolean(true);
        List<Thread> load = new ArrayList<>();
        for (int t = 0; t < loadThreads; t++) {
            Thread spinner = new Thread(() -> spin(loaded), "cpu-load-" + t);
            spinner.setDaemon(true);
            spinner.start();
            load.add(spinner);
        }
        try (StatefulRedisConnection<String, String> redis = client.connect()) {
            // One unmeasured round of each first: the JIT, the consumer's first metadata fetch.
            rawRead(bootstrap, topic);
            rawWrites(redis.async(), namespace + "raw", grants);
            lose(namespace);
            rebuilder.rebuild().orElseThrow();
            for (int round = 0; round < rounds; round++) {
                long started = System.nanoTime();
                long records = rawRead(bootstrap, topic);
                rawWrites(redis.async(), namespace + "raw", grants);
                raw[round] = (System.nanoTime() - started) / 1e9;
                if (records < grants) {
                    throw new IllegalStateException("the topic holds " + records + " records,"
                            + " not " + grants);
                }
                lose(namespace);
                started = System.nanoTime();
                RedisRebuilder.Result result = rebuilder.rebuild().orElseThrow();
                rebuild[round] = (System.nanoTime() - started) / 1e9;
                ratio[round] = rebuild[round] / raw[round];
                readMs[round] = result.readMs();
                restoreMs[round] = result.restoreMs();
                events = result.events();
            }
        } finally {
            loaded.set(false);
            client.shutdown();
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%,d grants recorded on the topic (8 partitions);"
                + " %d interleaved rounds (raw, then rebuild) after one unmeasured round of"
                + " each; %d threads kept the CPU busy throughout; medians over the rounds",
                grants, rounds, loadThreads));
        lines.add("");
        lines.add("| Measurement | Seconds | Ratio to raw |");
        lines.add("|---|---:|---:|");
        lines.add(String.format(Locale.ROOT, "| Raw: read the topic to its end (bytes) + %,d"
                + " pipelined Redis SETs | %.2f | 1.0 |", grants, GrabBenchmark.median(raw)));
        lines.add(String.format(Locale.ROOT, "| **Rebuild** of %,d events (read, verify,"
                + " restore budgets, answers, tokens) | %.2f | %.1f |", events,
                GrabBenchmark.median(rebuild), GrabBenchmark.median(ratio)));
        lines.add("");
        StringBuilder each = new StringBuilder("Each round (raw / rebuild s; the rebuild's read +"
                + " restore ms): ");
        for (int round = 0; round < rounds; round++) {
            each.append(String.format(Locale.ROOT, "%s%.2f / %.2f (%d + %d)", round == 0 ? ""
                    : "; ", raw[round], rebuild[round], readMs[round], restoreMs[round]));
        }
        lines.add(each.toString());
        return lines;
    }

    /** Redis lost: every key of the namespace gone, the budget epoch with them. */
    private static void lose(String namespace) throws InterruptedException {
        GrabBenchmark.deleteNamespace(namespace);
        Thread.sleep(300);
    }

    private static long rawRead(String bootstrap, String topic) {
        Properties config = new Properties();
        config.put("bootstrap.servers", bootstrap);
        config.put("max.poll.records", 10_000);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config,
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long records = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                records += consumer.poll(Duration.ofMillis(200)).count();
            }
            return records;
        }
    }

    private static void rawWrites(RedisAsyncCommands<String, String> redis, String namespace,
            int writes) throws Exception {
        List<RedisFuture<String>> window = new ArrayList<>(PIPELINE);
        for (int i = 0; i < writes; i++) {
            window.add(redis.set(namespace + ":k" + i, "DONE|AWARDED|bench-cash|CASH|1|CNY|x"));
            if (window.size() == PIPELINE) {
                for (RedisFuture<String> write : window) {
                    write.get();
                }
                window.clear();
            }
        }
        for (RedisFuture<String> write : window) {
            write.get();
        }
    }

    private static void spin(AtomicBoolean loaded) {
        long x = 1;
        while (loaded.get()) {
            for (int i = 0; i < 1_000_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        if (x == 42) {
            System.out.println(x); // keeps the loop from being optimized away
        }
    }
}
