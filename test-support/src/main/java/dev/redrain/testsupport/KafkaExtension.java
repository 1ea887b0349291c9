package dev.redrain.testsupport;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives tests a real Kafka broker. One broker is started per test JVM, on first use, and shared:
 * tests isolate themselves with fresh topics from {@link #createTopic(String, int)}, never by
 * restarting the broker. The broker stops when the JUnit run ends.
 */
public final class KafkaExtension implements BeforeAllCallback {
    private static final String STORE_KEY = "redrain.embedded-kafka";

    private EmbeddedKafka broker;

    @Override
    public void beforeAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL);
        broker = store.computeIfAbsent(STORE_KEY, key -> EmbeddedKafka.start(), EmbeddedKafka.class);
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    public EmbeddedKafka broker() {
        if (broker == null) {
            throw new IllegalStateException(
                    "KafkaExtension is not started: register it as a static @RegisterExtension");
        }
        return broker;
    }

    /** Creates a topic named after {@code base} plus a random suffix, and returns its name. */
    public String createTopic(String base, int partitions) {
        String topic = base + "-" + TestNames.randomSuffix();
        broker().createTopics(Map.of(topic, partitions));
        return topic;
    }

    /** An idempotent, acks=all producer configuration with byte[] values and String keys. */
    public Properties producerProperties() {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class.getName());
        return properties;
    }

    /** A consumer configuration reading from the earliest offset, committed data only. */
    public Properties consumerProperties(String groupId) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        return properties;
    }
}
