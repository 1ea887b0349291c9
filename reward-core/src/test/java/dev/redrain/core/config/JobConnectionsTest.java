package dev.redrain.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobConnectionsTest {
    private static final Map<String, String> REQUIRED = Map.of("kafka.bootstrap", "k:9092",
            "jdbc.url", "jdbc:mysql://db/redrain");

    @Test
    void secretsComeFromTheEnvironmentUnlessGiven() {
        JobConnections connections = JobConnections.from(REQUIRED, Map.of(
                "REDRAIN_JDBC_PASSWORD", "from-env", "REDRAIN_REDIS_URI", "redis://r:6380"));

        assertThat(connections.jdbcPassword()).isEqualTo("from-env");
        assertThat(connections.redisUri()).isEqualTo("redis://r:6380");
        assertThat(connections.jdbcUser()).isEqualTo("root");
        assertThat(connections.redisNamespace()).isEqualTo("rd");
        assertThat(connections.toString()).doesNotContain("from-env");
    }

    @Test
    void parametersWinOverTheEnvironment() {
        Map<String, String> parameters = new HashMap<>(REQUIRED);
        parameters.putAll(Map.of("jdbc.password", "given", "redis.uri", "redis://x:1",
                "topic.prefix", "t.", "redis.namespace", "ns"));

        JobConnections connections = JobConnections.from(parameters, Map.of(
                "REDRAIN_JDBC_PASSWORD", "from-env"));

        assertThat(connections.jdbcPassword()).isEqualTo("given");
        assertThat(connections.redisUri()).isEqualTo("redis://x:1");
        assertThat(connections.topics().prefix()).isEqualTo("t.");
        assertThat(connections.redisNamespace()).isEqualTo("ns");
    }

    @Test
    void kafkaAndTheDatabaseAreRequired() {
        assertThatThrownBy(() -> JobConnections.from(Map.of("jdbc.url", "u"), Map.of()))
                .hasMessage("--kafka.bootstrap is required");
        assertThatThrownBy(() -> JobConnections.from(Map.of("kafka.bootstrap", "k"), Map.of()))
                .hasMessage("--jdbc.url is required");
    }
}
