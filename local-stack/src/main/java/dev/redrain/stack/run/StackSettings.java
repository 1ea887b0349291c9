package dev.redrain.stack.run;

import dev.redrain.stack.channel.PaymentChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How to run the stack.
 *
 * @param home the repository (where the parts' jars and the runbooks are)
 * @param runDirectory this run's folder: logs, Kafka's data, checkpoints, statements, reports
 * @param mysql {@code host:port} of MySQL/MariaDB, or null to find or embed one
 * @param redis a Redis URI, or null to find or embed one
 * @param embedded start embedded MariaDB and Redis even when loopback has servers
 * @param database the stack's database (dropped and created again by a fresh start)
 * @param namespace the stack's Redis key namespace (emptied by a fresh start)
 * @param issuancePort the first issuance instance's port (the next ones take port+10,
 *     port+11, ...; 0: any free ones)
 * @param instances how many issuance instances share the load
 * @param dashboardPort the ops dashboard's port (0: any free one)
 * @param flinkPort the Flink MiniCluster's REST and web UI port (0: any free one)
 * @param channel the payment channel simulator's fault knobs
 * @param faultable run Redis as an embedded server the stack may restart empty, and put a
 *     latency proxy between every part and MySQL (the chaos suite)
 */
public record StackSettings(Path home, Path runDirectory, String mysql, String mysqlUser, String redis,
        boolean embedded, String database, String namespace, int issuancePort, int instances,
        int dashboardPort, int flinkPort, PaymentChannel.Knobs channel, boolean faultable) {
    /** The apps of the published design, each with its own signing secret in a run. */
    public static final List<String> APPS = List.of("douyin", "toutiao", "xigua", "huoshan",
            "fanqie", "lark", "pipixia", "qishui");
    /** Where a business day starts and ends, for every part of the stack. */
    public static final String BUSINESS_ZONE = "Asia/Shanghai";


    public static final String TOPIC_PREFIX = "redrain.";

    public Path jar(String module, String classifier) {
        Path target = home.resolve(module).resolve("target");
        Path jar = target.resolve(module + "-" + Version.PROJECT + "-" + classifier + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new StackException(jar + " is missing: build it with ./mvnw -B -DskipTests"
                    + " package -pl " + module + " -am (./redrain does that by itself)");
        }
        return jar;
    }
}
