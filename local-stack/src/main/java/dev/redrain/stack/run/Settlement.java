package dev.redrain.stack.run;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The nightly settlement, run as it runs in production: {@code java -jar} of its executable
 * jar with {@code --businessDate}, configured through the environment. Exit 0 completed, 1
 * failed (run again to resume), 2 refused.
 */
public final class Settlement {
    private static final Duration TIMEOUT = Duration.ofMinutes(15);

    private Settlement() {
    }

    public static int run(StackSettings settings, StackInfo info, String jdbcPassword, LocalDate date,
            boolean force, Path statementDirectory, Path reportDirectory, String... extra)
            throws Exception {
        List<String> arguments = new ArrayList<>(List.of("--businessDate=" + date));
        arguments.addAll(List.of(extra));
        if (force) {
            arguments.add("--force");
        }
        ChildJvm jvm = new ChildJvm("settlement", settings.jar("nightly-settlement", "exec"),
                "1g", arguments, Map.of(
                        "REDRAIN_JDBC_URL", info.jdbcUrl(),
                        "REDRAIN_JDBC_USER", info.jdbcUser(),
                        "REDRAIN_JDBC_PASSWORD", jdbcPassword,
                        "REDRAIN_REDIS_URI", info.redisUri(),
                        "REDRAIN_NAMESPACE", info.namespace(),
                        "REDRAIN_TOKEN_KEYS", info.tokenKeys(),
                        "REDRAIN_KAFKA_BOOTSTRAP", info.kafkaBootstrap(),
                        "REDRAIN_TOPIC_PREFIX", info.topicPrefix(),
                        "REDRAIN_STATEMENT_DIR", statementDirectory.toString(),
                        "REDRAIN_REPORT_DIR", reportDirectory.toString()),
                Path.of(info.runDirectory()).resolve("logs").resolve("settlement-" + date
                        + ".log"));
        return jvm.runToEnd(TIMEOUT);
    }
}
