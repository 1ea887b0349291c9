package dev.redrain.core.config;

import dev.redrain.core.keys.Topics;
import java.util.Map;

/**
 * Where a streaming job finds Kafka, MySQL and Redis, read the same way by every job from its
 * parameters ({@code --kafka.bootstrap ...}), with secrets from the environment: a command line
 * is visible to every user of the machine, the environment is not.
 *
 * <ul>
 *   <li>{@code kafka.bootstrap} and {@code jdbc.url}: required;</li>
 *   <li>{@code topic.prefix}: the topics' prefix ({@link Topics#DEFAULT});</li>
 *   <li>{@code jdbc.user} (root); {@code jdbc.password}, else {@code REDRAIN_JDBC_PASSWORD}
 *       (empty);</li>
 *   <li>{@code redis.uri}, else {@code REDRAIN_REDIS_URI} (redis://127.0.0.1:6379);
 *       {@code redis.namespace} (rd).</li>
 * </ul>
 */
public record JobConnections(String kafkaBootstrap, Topics topics, String jdbcUrl,
        String jdbcUser, String jdbcPassword, String redisUri, String redisNamespace) {
    public static final String KAFKA_BOOTSTRAP = "kafka.bootstrap";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String JDBC_URL = "jdbc.url";
    public static final String JDBC_USER = "jdbc.user";
    public static final String JDBC_PASSWORD = "jdbc.password";
    public static final String REDIS_URI = "redis.uri";
    public static final String REDIS_NAMESPACE = "redis.namespace";
    public static final String JDBC_PASSWORD_ENV = "REDRAIN_JDBC_PASSWORD";
    public static final String REDIS_URI_ENV = "REDRAIN_REDIS_URI";

    /** Reads them from a job's parameters and its process environment. */
    public static JobConnections from(Map<String, String> parameters,
            Map<String, String> environment) {
        return new JobConnections(required(parameters, KAFKA_BOOTSTRAP),
                new Topics(parameters.getOrDefault(TOPIC_PREFIX, Topics.DEFAULT.prefix())),
                required(parameters, JDBC_URL), parameters.getOrDefault(JDBC_USER, "root"),
                parameters.getOrDefault(JDBC_PASSWORD, environment.getOrDefault(
                        JDBC_PASSWORD_ENV, "")),
                parameters.getOrDefault(REDIS_URI, environment.getOrDefault(REDIS_URI_ENV,
                        "redis://127.0.0.1:6379")),
                parameters.getOrDefault(REDIS_NAMESPACE, "rd"));
    }

    private static String required(Map<String, String> parameters, String name) {
        String value = parameters.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    /** Never the password: this record reaches logs and the web UI's job parameters. */
    @Override
    public String toString() {
        return "JobConnections{kafka=" + kafkaBootstrap + ", topics=" + topics.prefix()
                + ", jdbc=" + jdbcUrl + " as " + jdbcUser + ", redis namespace " + redisNamespace
                + "}";
    }
}
