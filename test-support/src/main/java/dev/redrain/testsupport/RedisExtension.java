package dev.redrain.testsupport;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a Redis key namespace of its own on the shared Redis, and deletes every key
 * under it after the last test. Production code takes the namespace as its key prefix (see
 * {@code RedisKeys}), so tests never see each other's keys.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback {
    private static final int SCAN_BATCH_SIZE = 1_000;

    private String namespace;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    @Override
    public void beforeAll(ExtensionContext context) {
        namespace = TestNames.unique("rdt", context.getRequiredTestClass().getSimpleName());
        client = RedisClient.create(TestServices.redisUri());
        connection = client.connect();
        connection.sync().ping();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (connection != null) {
            deleteNamespace();
            connection.close();
        }
        if (client != null) {
            client.shutdown();
        }
    }

    /** The key prefix this test class owns, without a trailing separator. */
    public String namespace() {
        return require(namespace);
    }

    public String redisUri() {
        return TestServices.redisUri();
    }

    public RedisClient client() {
        return require(client);
    }

    public RedisCommands<String, String> commands() {
        return require(connection).sync();
    }

    /** Deletes every key of this namespace: between tests, or to simulate a Redis restart. */
    public long deleteNamespace() {
        return deleteNamespace(commands(), namespace);
    }

    /** Deletes every key of {@code namespace} on the Redis at {@code redisUri}. */
    public static long deleteNamespace(String redisUri, String namespace) {
        RedisClient redis = RedisClient.create(redisUri);
        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
            return deleteNamespace(connection.sync(), namespace);
        } finally {
            redis.shutdown();
        }
    }

    /**
     * Deletes every key of {@code namespace}: what a test class or a benchmark leaves behind
     * (millions of keys left in a shared Redis slow every later SCAN).
     */
    public static long deleteNamespace(RedisCommands<String, String> commands,
            String namespace) {
        ScanArgs match = ScanArgs.Builder.matches(namespace + ":*").limit(SCAN_BATCH_SIZE);
        long deleted = 0;
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = commands.scan(cursor, match);
            if (!page.getKeys().isEmpty()) {
                deleted += commands.unlink(page.getKeys().toArray(String[]::new));
            }
            cursor = page;
        } while (!cursor.isFinished());
        return deleted;
    }

    private static <T> T require(T value) {
        if (value == null) {
            throw new IllegalStateException(
                    "RedisExtension is not started: register it as a static @RegisterExtension");
        }
        return value;
    }
}
