package dev.redrain.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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

    /**
     * Creates topics (replication 1) on the single broker at {@code bootstrapServers} and waits
     * until it leads every partition.
     */
    public static void createTopics(String bootstrapServers,
            Map<String, Integer> partitionsByTopic) {
        List<NewTopic> topics = partitionsByTopic.entrySet().stream()
                .map(entry -> new NewTopic(entry.getKey(), entry.getValue(), (short) 1))
                .toList();
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(properties)) {
            admin.createTopics(topics).all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            awaitLeaders(admin, partitionsByTopic.keySet());
        } catch (Exception e) {
            throw new IllegalStateException("could not create topics " + partitionsByTopic, e);
        }
    }

    /**
     * Waits until the broker serves every partition as its leader. {@code createTopics} returns
     * once the controller has the topic, and the broker's metadata cache shows a leader before
     * its replica manager has become one: a producer that writes then gets
     * NOT_LEADER_OR_FOLLOWER, and an idempotent producer's retry of its first batch can be
     * refused as out of sequence for good. Listing offsets is answered by the replica manager
     * itself, so its success is the signal.
     */
    private static void awaitLeaders(Admin admin, java.util.Collection<String> names)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ADMIN_TIMEOUT_SECONDS);
        while (true) {
            try {
                // Describing a topic just created can also fail (UnknownTopicOrPartition) until
                // the broker's metadata has it: both calls are retried until the deadline.
                Map<org.apache.kafka.common.TopicPartition,
                        org.apache.kafka.clients.admin.OffsetSpec> partitions =
                        new java.util.HashMap<>();
                admin.describeTopics(names).allTopicNames()
                        .get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                        .forEach((name, description) -> description.partitions().forEach(
                                partition -> partitions.put(new org.apache.kafka.common
                                        .TopicPartition(name, partition.partition()),
                                        org.apache.kafka.clients.admin.OffsetSpec.latest())));
                admin.listOffsets(partitions).all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
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
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (java.io.IOException e) {
            // A leftover temporary folder is harmless; the broker itself is already stopped.
        }
    }
}
