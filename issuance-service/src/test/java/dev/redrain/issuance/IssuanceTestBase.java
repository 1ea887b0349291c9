package dev.redrain.issuance;

import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.testsupport.KafkaExtension;
import dev.redrain.testsupport.MariaDbExtension;
import dev.redrain.testsupport.RedisExtension;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The real parts every service test runs against: the whole Spring Boot app on a random port,
 * a fresh MariaDB database and Redis namespace of the test class's own, and the shared
 * in-process Kafka broker with topics of the class's own prefix. (The database and namespace
 * are dropped after the class, so its Spring context is closed then too.)
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
// Each class has its own database and Redis namespace, so its own application context.
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
// Tests hammer one user on purpose; RateLimitITCase sets the limits it tests.
@TestPropertySource(properties = "redrain.rate.user-per-second=100000")
public abstract class IssuanceTestBase {
    public static final String APP = "douyin";
    public static final String OTHER_APP = "toutiao";
    public static final String LONE_APP = "lone";
    public static final String SECRET = "test-secret-for-douyin-0123456789abcdef";
    public static final String OTHER_SECRET = "test-secret-for-toutiao-0123456789abcdef";
    public static final String LONE_SECRET = "test-secret-for-lone-app-0123456789abcdef";
    /** The lone app is rotating its secret: the old one is still accepted. */
    public static final String LONE_OLD_SECRET = "old-secret-for-lone-app-0123456789abcdef";
    public static final String OPERATOR_TOKEN = "operator-token-0123456789abcdef0123456789";
    public static final String VIEWER_TOKEN = "viewer-token-0123456789abcdef0123456789ab";
    /** Three finance reviewers: a corrective journal needs two of them. */
    public static final String FINANCE_TOKEN = "finance-ana-token-0123456789abcdef012345";
    public static final String SECOND_FINANCE_TOKEN = "finance-ben-token-0123456789abcdef01234";
    public static final String THIRD_FINANCE_TOKEN = "finance-chen-token-0123456789abcdef0123";

    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(RedrainSchema::migrate);
    @RegisterExtension
    protected static final RedisExtension REDIS = new RedisExtension();
    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    /**
     * A test class that brings its own Kafka broker sets this before its context starts (in a
     * static initializer) and clears it after its class; null means the shared broker.
     */
    protected static volatile java.util.function.Supplier<String> kafkaBootstrapOverride;

    @LocalServerPort
    protected int port;
    @Autowired
    protected JdbcTemplate jdbc;
    @Autowired
    protected CatalogRefresher catalog;
    @Autowired
    protected BudgetGuard guard;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String prefix = "i" + REDIS.namespace() + ".";
        dev.redrain.core.keys.Topics topics = new dev.redrain.core.keys.Topics(prefix);
        if (kafkaBootstrapOverride == null) {
            KAFKA.broker().createTopics(java.util.Map.of(topics.tokenIssued(), 4));
        }
        registry.add("spring.datasource.url", DB::jdbcUrl);
        registry.add("spring.datasource.username", DB::user);
        registry.add("spring.datasource.password", DB::password);
        registry.add("redrain.redis-uri", REDIS::redisUri);
        registry.add("redrain.namespace", REDIS::namespace);
        registry.add("redrain.kafka-bootstrap", () -> kafkaBootstrapOverride != null
                ? kafkaBootstrapOverride.get() : KAFKA.bootstrapServers());
        registry.add("redrain.topic-prefix", () -> prefix);
        registry.add("redrain.token-keys", () -> "k1:" + Base64.getEncoder().encodeToString(key));
        registry.add("redrain.token-active-key-id", () -> "k1");
        registry.add("redrain.payment.channel", () -> "simulated");
        // Tests run the payout resolver's passes themselves, on every DEBITED withdrawal.
        registry.add("redrain.payment.resolve-interval", () -> "1h");
        registry.add("redrain.payment.resolve-after", () -> "0s");
        registry.add("redrain.apps." + APP + ".secret", () -> SECRET);
        registry.add("redrain.apps." + APP + ".account-center", () -> "bytedance");
        registry.add("redrain.apps." + OTHER_APP + ".secret", () -> OTHER_SECRET);
        registry.add("redrain.apps." + OTHER_APP + ".account-center", () -> "bytedance");
        registry.add("redrain.apps." + LONE_APP + ".secret", () -> LONE_SECRET);
        registry.add("redrain.apps." + LONE_APP + ".previous-secret", () -> LONE_OLD_SECRET);
        registry.add("redrain.admins.ops.token-sha256", () -> sha256Hex(OPERATOR_TOKEN));
        registry.add("redrain.admins.ops.role", () -> "OPERATOR");
        registry.add("redrain.admins.watcher.token-sha256", () -> sha256Hex(VIEWER_TOKEN));
        registry.add("redrain.admins.watcher.role", () -> "VIEWER");
        registry.add("redrain.admins.fin-ana.token-sha256", () -> sha256Hex(FINANCE_TOKEN));
        registry.add("redrain.admins.fin-ana.role", () -> "FINANCE");
        registry.add("redrain.admins.fin-ben.token-sha256",
                () -> sha256Hex(SECOND_FINANCE_TOKEN));
        registry.add("redrain.admins.fin-ben.role", () -> "FINANCE");
        registry.add("redrain.admins.fin-chen.token-sha256",
                () -> sha256Hex(THIRD_FINANCE_TOKEN));
        registry.add("redrain.admins.fin-chen.role", () -> "FINANCE");
    }

    static String sha256Hex(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest
                    .getInstance("SHA-256").digest(text.getBytes(
                            java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An admin API call with a bearer token (null for none). */
    protected java.net.http.HttpResponse<String> admin(String token, String method, String path,
            String json) throws Exception {
        var builder = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + port + path)).header("Content-Type", "application/json")
                .method(method, json == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return java.net.http.HttpClient.newHttpClient().send(builder.build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    protected SignedClient client() {
        return new SignedClient("http://127.0.0.1:" + port, APP, SECRET);
    }

    protected Fixtures fixtures() {
        return new Fixtures(jdbc, catalog, guard);
    }

    protected String topicPrefix() {
        return "i" + REDIS.namespace() + ".";
    }

    /** The JSON body of a 200 answer (the test fails with the body otherwise). */
    protected static com.fasterxml.jackson.databind.JsonNode ok(
            java.net.http.HttpResponse<String> response) throws Exception {
        org.assertj.core.api.Assertions.assertThat(response.statusCode()).as(response.body())
                .isEqualTo(200);
        return BODY_JSON.readTree(response.body());
    }

    /** A refusal with exactly this status and code, as RFC 9457 problem+json with a detail. */
    protected static void expect(java.net.http.HttpResponse<String> response, int status,
            String code) throws Exception {
        org.assertj.core.api.Assertions.assertThat(response.statusCode()).as(response.body())
                .isEqualTo(status);
        org.assertj.core.api.Assertions.assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> org.assertj.core.api.Assertions.assertThat(type)
                        .startsWith("application/problem+json"));
        com.fasterxml.jackson.databind.JsonNode problem = BODY_JSON.readTree(response.body());
        org.assertj.core.api.Assertions.assertThat(problem.get("code").asText()).isEqualTo(code);
        org.assertj.core.api.Assertions.assertThat(problem.get("status").asInt())
                .isEqualTo(status);
        org.assertj.core.api.Assertions.assertThat(problem.get("detail").asText()).isNotBlank();
    }

    /**
     * Sends every grab's event to the outbox (or back to Kafka), and waits until every instance
     * has seen the switch.
     */
    protected void switchOutboxOnly(boolean on) throws Exception {
        var response = admin(OPERATOR_TOKEN, "PUT", "/admin/switches/outbox-only",
                "{\"on\":" + on + ",\"reason\":\"test: events to the outbox\"}");
        org.assertj.core.api.Assertions.assertThat(response.statusCode()).as(response.body())
                .isEqualTo(200);
        Thread.sleep(1_200); // every instance sees a switch within a second
    }

    /**
     * Takes ({@code GET_LOCK(?, 10)}) or gives back ({@code RELEASE_LOCK(?)}) the outbox relay's
     * MySQL lock on {@code connection}: held, it keeps every relay off, so outbox rows stay
     * unpublished.
     */
    protected static boolean relayLock(java.sql.Connection connection, String sql)
            throws java.sql.SQLException {
        try (java.sql.PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, "redrain-outbox-relay");
            try (java.sql.ResultSet row = statement.executeQuery()) {
                return row.next() && row.getInt(1) == 1;
            }
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper BODY_JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
}
