package dev.redrain.flinksession;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Command line: starts a standalone session cluster from the jars in {@code target/flink/lib}
 * and keeps it up until interrupted (Ctrl-C). Used by {@code scripts/flink-session.sh}.
 *
 * <pre>
 * java -cp flink-session.jar dev.redrain.flinksession.FlinkSession \
 *     --lib flink-session/target/flink/lib --work /tmp/redrain-flink --rest-port 8081 --slots 2
 * </pre>
 */
public final class FlinkSession {
    private FlinkSession() {
    }

    public static void main(String[] args) throws Exception {
        Path lib = Path.of("flink-session/target/flink/lib");
        Path work = Path.of(System.getProperty("java.io.tmpdir"), "redrain-flink");
        int restPort = 8081;
        int slots = 2;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--lib" -> lib = Path.of(require(args[i], value));
                case "--work" -> work = Path.of(require(args[i], value));
                case "--rest-port" -> restPort = Integer.parseInt(require(args[i], value));
                case "--slots" -> slots = Integer.parseInt(require(args[i], value));
                case "--help", "-h" -> {
                    System.out.println("usage: FlinkSession [--lib DIR] [--work DIR]"
                            + " [--rest-port PORT] [--slots N]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i++;
        }
        FlinkSessionCluster cluster = FlinkSessionCluster.start(
                FlinkSessionCluster.Settings.defaults(lib, work).withRestPort(restPort)
                        .withSlots(slots));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cluster.close();
            stopped.countDown();
        }, "flink-session-stop"));
        System.out.println("Flink session cluster up: REST and web UI at " + cluster.rest().base()
                + ", logs in " + cluster.logDirectory() + ". Ctrl-C stops it.");
        stopped.await();
    }

    private static String require(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }
}
