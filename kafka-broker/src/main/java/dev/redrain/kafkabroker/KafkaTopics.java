package dev.redrain.kafkabroker;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** Topic creation on a single broker, waiting until the broker leads every partition. */
public final class KafkaTopics {
    private static final long ADMIN_TIMEOUT_SECONDS = 30;

    private KafkaTopics() {
    }

    /**
     * Creates topics (replication 1) on the single broker at {@code bootstrapServers} and waits
     * until it leads every partition.
     */
    public static void create(String bootstrapServers,
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
    private static void awaitLeaders(Admin admin, Collection<String> names)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ADMIN_TIMEOUT_SECONDS);
        while (true) {
            try {
                // Describing a topic just created can also fail (UnknownTopicOrPartition) until
                // the broker's metadata has it: both calls are retried until the deadline.
                Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
                admin.describeTopics(names).allTopicNames()
                        .get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                        .forEach((name, description) -> description.partitions().forEach(
                                partition -> partitions.put(new TopicPartition(name, partition.partition()),
                                        OffsetSpec.latest())));
                admin.listOffsets(partitions).all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(20);
            }
        }
    }
}
