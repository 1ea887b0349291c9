package dev.redrain.testsupport;

import java.util.Map;

/**
 * Where the tests find the shared MariaDB and Redis. One place, read from the environment with
 * loopback defaults, so that CI, a laptop and {@code scripts/services.sh} agree.
 *
 * <ul>
 *   <li>{@code REDRAIN_DB_HOST} (127.0.0.1), {@code REDRAIN_DB_PORT} (3306),
 *       {@code REDRAIN_DB_USER} (root), {@code REDRAIN_DB_PASSWORD} (empty)</li>
 *   <li>{@code REDRAIN_REDIS_URI} (redis://127.0.0.1:6379)</li>
 * </ul>
 */
public final class TestServices {
    private static final Map<String, String> ENVIRONMENT = System.getenv();

    private TestServices() {
    }

    public static String databaseHost() {
        return setting("REDRAIN_DB_HOST", "127.0.0.1");
    }

    public static int databasePort() {
        return Integer.parseInt(setting("REDRAIN_DB_PORT", "3306"));
    }

    public static String databaseUser() {
        return setting("REDRAIN_DB_USER", "root");
    }

    public static String databasePassword() {
        return setting("REDRAIN_DB_PASSWORD", "");
    }

    public static String redisUri() {
        return setting("REDRAIN_REDIS_URI", "redis://127.0.0.1:6379");
    }

    /**
     * A JDBC URL for one database with the connection options the project relies on: TLS off
     * explicitly (the default silently falls back to plaintext) and client-side rewriting of
     * batches into multi-row statements.
     */
    public static String jdbcUrl(String databaseName) {
        return "jdbc:mysql://" + databaseHost() + ":" + databasePort() + "/" + databaseName
                + "?sslMode=DISABLED&rewriteBatchedStatements=true&allowPublicKeyRetrieval=true"
                + "&connectionTimeZone=UTC&forceConnectionTimeZoneToSession=true";
    }

    private static String setting(String name, String fallback) {
        String value = System.getProperty(name, ENVIRONMENT.get(name));
        return value == null || value.isBlank() ? fallback : value;
    }
}
