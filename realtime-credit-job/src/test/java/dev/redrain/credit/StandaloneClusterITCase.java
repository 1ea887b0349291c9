package dev.redrain.credit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.flinksession.FlinkRestClient;
import dev.redrain.flinksession.SessionClusterTest;
import dev.redrain.testsupport.KafkaExtension;
import dev.redrain.testsupport.MariaDbExtension;
import dev.redrain.testsupport.RedisExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shaded job jar on a real standalone Flink session cluster (JobManager and TaskManager in
 * their own JVMs, started through Flink's entrypoints), submitted and upgraded through the REST
 * API as an operator would: upload, run at parallelism 2, stop with a savepoint, run again from
 * the savepoint at parallelism 1. Nothing of the job's classes is on the cluster's classpath.
 */
class StandaloneClusterITCase extends SessionClusterTest {
    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(RedrainSchema::migrate);
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();
    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    @Test
    void shadedJarRunsOnSessionClusterAndUpgradesThroughSavepoint() throws Exception {
        Path jar = shadedJar();
        CreditJobHarness harness = new CreditJobHarness(DB, REDIS, KAFKA);
        TokenEvents events = new TokenEvents(2026);
        List<TokenIssued> first = events.awarded(600, 40);
        List<TokenIssued> second = events.awarded(400, 40);
        List<TokenIssued> all = new ArrayList<>(first);
        all.addAll(second);
        harness.recordPending(all);
        FlinkRestClient rest = cluster.rest();
        String jarId = rest.uploadJar(jar);

        List<byte[]> records = new ArrayList<>();
        first.forEach(token -> records.add(TokenEvents.bytes(token)));
        first.subList(0, 50).forEach(token -> records.add(TokenEvents.bytes(token)));
        records.add("not an event".getBytes(StandardCharsets.UTF_8));
        harness.publish(records);
        String jobId = rest.runJar(jarId, CreditJob.class.getName(), arguments(harness), 2, null);
        awaitRunning(jobId);
        awaitJournals(harness, rest, jobId, first.size());
        assertMetricsReported(rest, jobId);

        String savepoint = rest.stopWithSavepoint(jobId, cluster.stateUri("savepoints"),
                Duration.ofSeconds(60));
        CreditJobHarness.await(() -> "FINISHED".equals(rest.jobState(jobId)),
                "job " + jobId + " FINISHED after stop-with-savepoint");
        List<byte[]> more = new ArrayList<>();
        second.forEach(token -> more.add(TokenEvents.bytes(token)));
        first.subList(100, 120).forEach(token -> more.add(TokenEvents.bytes(token)));
        harness.publish(more);
        String resumed = rest.runJar(jarId, CreditJob.class.getName(), arguments(harness), 1,
                savepoint);
        try {
            awaitRunning(resumed);
            awaitJournals(harness, rest, resumed, all.size());
            harness.assertEveryTokenCreditedOnce(all);
            assertThat(harness.readAll(harness.topics.tokenIssuedDeadLetter(), 1)).hasSize(1);
        } finally {
            rest.cancel(resumed);
        }
    }

    /** The job's metrics reach the cluster's REST API, where runbooks/credit-lag.md reads them. */
    private static void assertMetricsReported(FlinkRestClient rest, String jobId)
            throws Exception {
        List<String> names = List.of("credited", "creditedPerSecond", "batchSize",
                "writeLatencyMs", "endToEndLagMs", "batchSizeHistogram_max",
                "writeLatencyMsHistogram_p99", "endToEndLagMsHistogram_p99");
        Map<String, String> sink = new TreeMap<>();
        Map<String, String> validation = new TreeMap<>();
        // The REST API serves metrics its fetcher collected, up to 10 s old: wait for them.
        CreditJobHarness.await(() -> {
            sink.clear();
            sink.putAll(rest.vertexMetrics(jobId, "ledger-credit", names));
            validation.clear();
            validation.putAll(rest.vertexMetrics(jobId, "Source: token-issued",
                    List.of("deadLettered")));
            return reported(sink).containsAll(names) && sum(sink, "credited") >= 600
                    && sum(validation, "deadLettered") == 1;
        }, "the sink's metrics and the dead letter in the REST API");
        assertThat(sum(sink, "batchSize")).isPositive();
        assertThat(sum(sink, "batchSizeHistogram_max")).isPositive();
        assertThat(sum(sink, "endToEndLagMsHistogram_p99")).isPositive();
    }

    private static Set<String> reported(Map<String, String> metrics) {
        return metrics.keySet().stream().map(id -> id.substring(id.lastIndexOf('.') + 1))
                .collect(Collectors.toSet());
    }

    /** A metric summed over the subtasks that report it. */
    private static long sum(Map<String, String> metrics, String name) {
        return metrics.entrySet().stream().filter(entry -> entry.getKey().endsWith("." + name))
                .mapToLong(entry -> (long) Double.parseDouble(entry.getValue())).sum();
    }

    private static List<String> arguments(CreditJobHarness harness) throws Exception {
        // The key ring reaches the job as a file only its owner reads, never as a parameter
        // (parameters show in the web UI).
        Path keys = Files.createTempFile("token-keys", "", PosixFilePermissions
                .asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        keys.toFile().deleteOnExit();
        Files.writeString(keys, TokenEvents.KEYS);
        List<String> arguments = new ArrayList<>(List.of(
                "--" + CreditJob.TOKEN_KEYS_FILE, keys.toString(),
                "--" + CreditJob.KAFKA_BOOTSTRAP, KAFKA.bootstrapServers(),
                "--" + CreditJob.KAFKA_GROUP, "credit-" + harness.topics.prefix(),
                "--" + CreditJob.TOPIC_PREFIX, harness.topics.prefix(),
                "--" + CreditJob.JDBC_URL, DB.jdbcUrl(),
                "--" + CreditJob.JDBC_USER, DB.user(),
                "--" + CreditJob.REDIS_URI, REDIS.redisUri(),
                "--" + CreditJob.REDIS_NAMESPACE, REDIS.namespace(),
                "--" + CreditJob.CHECKPOINT_INTERVAL_MS, "1000"));
        if (!DB.password().isEmpty()) {
            arguments.addAll(List.of("--" + CreditJob.JDBC_PASSWORD, DB.password()));
        }
        return arguments;
    }

    private static void awaitJournals(CreditJobHarness harness, FlinkRestClient rest,
            String jobId, long expected) throws Exception {
        CreditJobHarness.await(() -> {
            cluster.jobStateOrFail(jobId);
            return harness.journalCount() >= expected;
        }, expected + " journals from job " + jobId);
    }
}
