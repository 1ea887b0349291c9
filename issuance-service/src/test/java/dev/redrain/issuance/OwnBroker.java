package dev.redrain.issuance;

import dev.redrain.core.keys.Topics;
import dev.redrain.kafkabroker.KafkaBrokerProcess;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A Kafka broker of one test class's own, which the test may stop and start again, with the
 * class's token-issued topic on one partition (one order to check). Install it with
 * {@code kafkaBootstrapOverride = OWN::bootstrap} in a static initializer.
 */
final class OwnBroker implements AutoCloseable {
    private KafkaBrokerProcess broker;

    /** Starts the broker on first use; the bootstrap servers. */
    synchronized String bootstrap() {
        try {
            if (broker == null) {
                broker = KafkaBrokerProcess.start();
                try (Admin admin = Admin.create(Map.of("bootstrap.servers",
                        broker.bootstrapServers()))) {
                    admin.createTopics(List.of(new NewTopic(new Topics("i"
                            + IssuanceTestBase.REDIS.namespace() + ".").tokenIssued(), 1,
                            (short) 1))).all().get();
                }
            }
            return broker.bootstrapServers();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the test's Kafka broker", e);
        }
    }

    KafkaBrokerProcess broker() {
        return broker;
    }

    @Override
    public synchronized void close() throws Exception {
        IssuanceTestBase.kafkaBootstrapOverride = null;
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }
}
