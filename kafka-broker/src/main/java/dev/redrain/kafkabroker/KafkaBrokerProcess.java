package dev.redrain.kafkabroker;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node KRaft Kafka broker in a child JVM (main class {@code kafka.Kafka}, from
 * the test class path), with its log on disk, that a test can stop and start again on the same
 * port: a Kafka outage, with the data still there after it. Start-up takes a few seconds;
 * use test-support's in-process EmbeddedKafka where no outage is needed.
 */
public final class KafkaBrokerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path directory;
    private final int port;
    private final Path config;
    private Process process;

    private KafkaBrokerProcess(Path directory, int port, Path config) {
        this.directory = directory;
        this.port = port;
        this.config = config;
    }

    /** Formats a fresh log directory and starts the broker. */
    public static KafkaBrokerProcess start() throws IOException, InterruptedException {
        return start(Files.createTempDirectory("redrain-kafka-process-"));
    }

    /** Formats a fresh log directory under {@code directory} and starts the broker. */
    public static KafkaBrokerProcess start(Path directory)
            throws IOException, InterruptedException {
        Files.createDirectories(directory);
        int port = freePort();
        int controllerPort = freePort();
        Path config = directory.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:"
                        + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + directory.resolve("log"),
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "") + "\n");
        int formatted = java("kafka.tools.StorageTool", directory.resolve("format.log"),
                "format", "-t", UUID.randomUUID().toString().replace("-", "").substring(0, 22),
                "-c", config.toString()).waitFor();
        if (formatted != 0) {
            throw new IllegalStateException("kafka storage format failed: "
                    + Files.readString(directory.resolve("format.log")));
        }
        KafkaBrokerProcess broker = new KafkaBrokerProcess(directory, port, config);
        broker.startAgain();
        return broker;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Creates topics and waits until the broker leads every partition. */
    public void createTopics(Map<String, Integer> partitionsByTopic) {
        KafkaTopics.create(bootstrapServers(), partitionsByTopic);
    }

    /** The folder holding the broker's configuration, log directory and output. */
    public Path directory() {
        return directory;
    }

    public boolean running() {
        Process current = process;
        return current != null && current.isAlive();
    }

    /** Starts the broker (again) on its port and log directory; returns when it listens. */
    public synchronized void startAgain() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        process = java("kafka.Kafka", directory.resolve("broker.log"), config.toString());
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!listening()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the Kafka broker did not start; see "
                        + directory.resolve("broker.log"));
            }
            Thread.sleep(100);
        }
    }

    /** Stops the broker process; clients see the broker gone. */
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        process = null;
    }

    /**
     * Freezes the broker (SIGSTOP): its connections stay open and clients keep its metadata,
     * so sends wait in the producer unacknowledged, as with a broker that stalls. Undo with
     * {@link #resume()}.
     */
    public synchronized void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Lets a paused broker run again (SIGCONT). */
    public synchronized void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        if (process == null) {
            throw new IllegalStateException("the broker is not running");
        }
        int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .inheritIO().start().waitFor();
        if (exit != 0) {
            throw new IllegalStateException("kill -" + name + " exited " + exit);
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        try (var paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile()
                    .delete());
        }
    }

    private boolean listening() {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Process java(String mainClass, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
