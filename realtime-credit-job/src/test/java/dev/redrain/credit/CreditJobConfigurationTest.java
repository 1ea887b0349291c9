package dev.redrain.credit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.junit.jupiter.api.Test;

/** What the job puts where Flink's web UI shows it, and what its settings print. */
class CreditJobConfigurationTest {
    private static final ParameterTool PARAMETERS = ParameterTool.fromMap(Map.of(
            CreditJob.KAFKA_BOOTSTRAP, "kafka:9092",
            CreditJob.JDBC_URL, "jdbc:mysql://db/redrain?password=s3cret-db",
            CreditJob.JDBC_PASSWORD, "s3cret-db",
            CreditJob.REDIS_URI, "redis://:s3cret-redis@redis:6379"));

    @Test
    void theWebUiShowsNoSecret() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        CreditJob.configure(env, PARAMETERS);
        Map<String, String> shown = env.getConfig().getGlobalJobParameters().toMap();
        assertThat(shown).containsEntry(CreditJob.KAFKA_BOOTSTRAP, "kafka:9092")
                .doesNotContainKey(CreditJob.JDBC_PASSWORD);
        assertThat(shown.toString()).doesNotContain("s3cret");
    }

    @Test
    void settingsNeverPrintSecrets() {
        assertThat(CreditJob.sinkSettings(PARAMETERS).toString()).doesNotContain("s3cret");
        assertThat(new GrantCheckSettings("k1:c2VjcmV0LWtleQ==", "jdbc:mysql://db/r?password=x",
                "u", "s3cret-db").toString()).doesNotContain("s3cret").doesNotContain("c2Vj")
                .doesNotContain("password=x");
    }
}
