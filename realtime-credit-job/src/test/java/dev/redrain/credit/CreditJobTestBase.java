package dev.redrain.credit;

import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.testsupport.KafkaExtension;
import dev.redrain.testsupport.MariaDbExtension;
import dev.redrain.testsupport.RedisExtension;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real parts every credit-job test class runs against: a Flink MiniCluster, and a fresh
 * MariaDB database, Redis namespace and Kafka topics of the class's own (the extensions run
 * their before-all and after-all once per subclass).
 */
abstract class CreditJobTestBase {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4).build());
    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(RedrainSchema::migrate);
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();
    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    static CreditJobHarness newHarness() {
        return new CreditJobHarness(DB, REDIS, KAFKA);
    }
}
