package dev.redrain.testsupport;

import dev.redrain.kafkabroker.KafkaTopics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running in this JVM,
 * started from Kafka's own Maven artifacts: no ZooKeeper, no Docker. With one node every
 * replication factor is 1.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final long ADMIN_TIMEOUT_SECONDS = 30;

    private final KafkaClusterTestKit cluster;
    private final Path baseDirectory;

    private EmbeddedKafka(KafkaClusterTestKit cluster, Path baseDirectory) {
        this.cluster = cluster;
        this.baseDirectory = baseDirectory;
    }

    /** Formats storage in a new temporary folder and starts the broker; ~2 s cold. */
    public static EmbeddedKafka start() {
        try {
            Path directory = Files.createTempDirectory("redrain-kafka-");
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(directory)
                    .build();
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "4")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("auto.create.topics.enable", "false")
                    .setDeleteOnClose(true)
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafka(cluster, directory);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the embedded Kafka broker", e);
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Creates topics and waits until the broker has them. */
    public void createTopics(Map<String, Integer> partitionsByTopic) {
        createTopics(bootstrapServers(), partitionsByTopic);
    }

    /** As {@link KafkaTopics#create}: topics at replication 1, led before this returns. */
    public static void createTopics(String bootstrapServers,
            Map<String, Integer> partitionsByTopic) {
        KafkaTopics.create(bootstrapServers, partitionsByTopic);
    }

    public Properties adminProperties() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return properties;
    }

    @Override
    public void close() throws Exception {
        cluster.close();
        deleteQuietly(baseDirectory);
    }

    private static void deleteQuietly(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (var paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // A leftover temporary folder is harmless; the broker itself is already stopped.
        }
    }
}
