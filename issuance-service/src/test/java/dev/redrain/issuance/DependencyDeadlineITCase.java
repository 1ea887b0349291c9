package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.core.activity.Stage;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Found by the chaos suite: with MySQL slow, grabs queued for a database connection for up to
 * Hikari's default 30 s, and with Redis hanging a command waited Lettuce's default 60 s; the
 * apps' requests timed out with nothing said. Every wait now has a deadline and ends in a
 * retryable 503 problem that changed nothing.
 */
@TestPropertySource(properties = {"spring.datasource.hikari.maximum-pool-size=2",
    "redrain.redis-command-timeout=1s"})
class DependencyDeadlineITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    DataSource dataSource;

    @Test
    void aGrabThatCannotGetADatabaseConnectionIsA503WithinTheDeadline() throws Exception {
        fixtures().festival("ddl", Stage.FORMAL, 0)
                .fixed("ddl-cash", "ddl-formal", "CASH", "CNY", 10, 10_000, 1, null)
                .rains("ddl", "CASH").load();
        // Hold every connection of the pool, as slow queries would.
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                held.add(dataSource.getConnection());
            }
            long started = System.nanoTime();
            // A user never seen before: the binding needs the database.
            HttpResponse<String> response = client().post("/v1/grab", SignedClient.grabJson(
                    APP, "newcomer-ddl", "ddl", "s", "r"));
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(JSON.readTree(response.body()).path("code").asText())
                    .isEqualTo("DEPENDENCY_UNAVAILABLE");
            assertThat(elapsedMs).as("answered within the 1 s connection deadline (+ margin)")
                    .isLessThan(4_000);
        } finally {
            for (Connection connection : held) {
                connection.close();
            }
        }
        HttpResponse<String> retried = client().post("/v1/grab", SignedClient.grabJson(APP,
                "newcomer-ddl", "ddl", "s", "r"));
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
    }

    @Test
    void aGrabWhileRedisHangsIsA503WithinTheCommandTimeout() throws Exception {
        fixtures().festival("ddr", Stage.FORMAL, 0)
                .fixed("ddr-cash", "ddr-formal", "CASH", "CNY", 10, 10_000, 1, null)
                .rains("ddr", "CASH").load();
        client().post("/v1/accounts/bind", "{\"appId\":\"" + APP + "\",\"userId\":\"hung\"}");
        RedisClient admin = RedisClient.create(REDIS.redisUri());
        try (StatefulRedisConnection<String, String> connection = admin.connect()) {
            // Redis stops answering (every client's commands wait) for 5 s.
            connection.sync().clientPause(5_000);
            long started = System.nanoTime();
            HttpResponse<String> response = client().post("/v1/grab", SignedClient.grabJson(
                    APP, "hung", "ddr", "s", "r"));
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(elapsedMs).as("answered at the 1 s command timeout, not when Redis"
                    + " came back").isLessThan(4_000);
            // A grab cannot be served: the readiness probe takes the instance out, and says
            // no more than that to an anonymous caller.
            HttpResponse<String> readiness = admin(null, "GET", "/actuator/health/readiness",
                    null);
            assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(503);
            assertThat(readiness.body()).contains("\"DOWN\"").doesNotContain("components");
            assertThat(admin(null, "GET", "/actuator/health/liveness", null).statusCode())
                    .as("the process itself is fine").isEqualTo(200);
            elapsedMs = (System.nanoTime() - started) / 1_000_000;
            Thread.sleep(Math.max(0, 5_500 - elapsedMs));
        } finally {
            admin.shutdown();
        }
    }
}
