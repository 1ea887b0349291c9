package dev.redrain.stack.cli;

import dev.redrain.stack.channel.PaymentChannel;
import dev.redrain.stack.run.LocalServices;
import dev.redrain.stack.run.StackException;
import dev.redrain.stack.run.StackInfo;
import dev.redrain.stack.run.StackSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/** Where the stack runs and what it uses: shared by {@code demo} and {@code up}. */
public final class StackOptions {
    @Option(names = "--mysql", paramLabel = "HOST:PORT",
            description = "MySQL/MariaDB to use (default: 127.0.0.1:3306 if it answers, else an"
                    + " embedded MariaDB). The password comes from REDRAIN_DB_PASSWORD.")
    String mysql;

    @Option(names = "--mysql-user", defaultValue = "root", description = "default: ${DEFAULT-VALUE}")
    String mysqlUser;

    @Option(names = "--redis", paramLabel = "URI",
            description = "Redis to use (default: redis://127.0.0.1:6379 if it answers, else an"
                    + " embedded Redis)")
    String redis;

    @Option(names = "--embedded", description = "start embedded MariaDB and Redis even when"
            + " loopback has servers")
    boolean embedded;

    @Option(names = "--database", defaultValue = "redrain_stack",
            description = "the stack's database, dropped and created again at start"
                    + " (default: ${DEFAULT-VALUE})")
    String database;

    @Option(names = "--namespace", defaultValue = "stack",
            description = "the stack's Redis key prefix, emptied at start (default: ${DEFAULT-VALUE})")
    String namespace;

    @Option(names = "--port", defaultValue = "8080",
            description = "the issuance service's port (more instances take port+10,"
                    + " port+11, ...; default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--instances", defaultValue = "1",
            description = "issuance instances sharing the load (default: ${DEFAULT-VALUE})")
    int instances;

    @Option(names = "--dashboard-port", defaultValue = "8088", description = "default: ${DEFAULT-VALUE}")
    int dashboardPort;

    @Option(names = "--flink-port", defaultValue = "8081",
            description = "Flink's REST API and web UI (default: ${DEFAULT-VALUE})")
    int flinkPort;

    @Option(names = "--run-dir", defaultValue = ".redrain/stack",
            description = "the run's folder: logs, Kafka data, checkpoints, statements,"
                    + " reports, stack.json (default: ${DEFAULT-VALUE}, emptied at start)")
    Path runDirectory;

    StackSettings settings(PaymentChannel.Knobs knobs) throws IOException {
        return settings(knobs, false);
    }

    StackSettings settings(PaymentChannel.Knobs knobs, boolean faultable) throws IOException {
        if (instances < 1 || instances > 8) {
            throw new StackException("--instances is 1 to 8");
        }
        Path home = Redrain.home();
        Path run = runDirectory.isAbsolute() ? runDirectory : home.resolve(runDirectory);
        refuseIfRunning(run);
        deleteTree(run);
        return new StackSettings(home, run, mysql, mysqlUser, redis, embedded, database,
                namespace, port, instances, dashboardPort, flinkPort, knobs, faultable);
    }

    private static void refuseIfRunning(Path run) throws IOException {
        Path file = run.resolve(StackInfo.FILE);
        if (Files.isRegularFile(file)) {
            StackInfo info = StackInfo.read(file);
            URI dashboard = URI.create(info.dashboardUrl());
            if (LocalServices.answers(dashboard.getHost(), dashboard.getPort())) {
                throw new StackException("a stack is running from " + run + " (its dashboard"
                        + " answers at " + info.dashboardUrl() + "); stop it with Ctrl-C or"
                        + " use another --run-dir and ports");
            }
        }
    }

    public static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
