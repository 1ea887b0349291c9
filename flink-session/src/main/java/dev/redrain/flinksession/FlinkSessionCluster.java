package dev.redrain.flinksession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A standalone Flink session cluster, one JobManager and one TaskManager, each a child JVM started
 * through Flink's own entrypoints ({@code StandaloneSessionClusterEntrypoint},
 * {@code TaskManagerRunner}) on the jars the {@code flink-session} module copies to
 * {@code target/flink/lib}. Nothing here is a MiniCluster: jobs reach it only through its REST
 * API, exactly as on a production cluster, so a job jar that runs here runs with {@code flink
 * run}.
 */
public final class FlinkSessionCluster implements AutoCloseable {
    static final String JOB_MANAGER_MAIN =
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASK_MANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    /**
     * The JVM options of the config.yaml that ships with Flink 2.2 ({@code env.java.opts.all}):
     * a real cluster runs with them, and parts of Flink (the DataStream translators used when a
     * jar is run through the REST API) need them on Java 17.
     */
    static final List<String> DEFAULT_JAVA_OPTIONS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");
    private static final String RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";

    private final Settings settings;
    private final List<Process> processes = new ArrayList<>();
    private FlinkRestClient rest;

    private FlinkSessionCluster(Settings settings) {
        this.settings = settings;
    }

    /**
     * Starts the cluster and waits until its REST API reports the TaskManager's slots. The
     * work directory receives conf/, log/, state/ (checkpoints, savepoints) and tmp/.
     *
     * @throws IllegalStateException with the tail of the logs if it does not come up in time
     */
    public static FlinkSessionCluster start(Settings settings) throws InterruptedException {
        FlinkSessionCluster cluster = new FlinkSessionCluster(settings);
        try {
            cluster.startProcesses();
            return cluster;
        } catch (RuntimeException | InterruptedException e) {
            cluster.close();
            throw e;
        }
    }

    /**
     * A cluster from this build's Flink lib folder (system property {@code redrain.flink.lib},
     * default {@code ../flink-session/target/flink/lib}) with a fresh working folder under
     * {@code target/}: what the jobs' cluster tests start.
     */
    public static FlinkSessionCluster startFromBuild() throws InterruptedException {
        Path lib = Path.of(System.getProperty("redrain.flink.lib",
                "../flink-session/target/flink/lib"));
        Path work = Path.of("target", "flink-session-" + UUID.randomUUID().toString()
                .substring(0, 8)).toAbsolutePath();
        return start(Settings.defaults(lib, work));
    }

    /**
     * A job's state; a FAILED or CANCELED job throws at once, with the cluster's exceptions for
     * it and the tails of the JobManager's and TaskManager's logs.
     */
    public String jobStateOrFail(String jobId) {
        String state = rest().jobState(jobId);
        if (state.equals("FAILED") || state.equals("CANCELED")) {
            throw new IllegalStateException("job " + jobId + " is " + state + ": "
                    + rest().jobExceptions(jobId) + "\n" + logTails());
        }
        return state;
    }

    public FlinkRestClient rest() {
        return rest;
    }

    public Path workDirectory() {
        return settings.workDirectory();
    }

    public Path logDirectory() {
        return settings.workDirectory().resolve("log");
    }

    /** A directory for checkpoints and savepoints, as a {@code file://} URI string. */
    public String stateUri(String name) {
        return settings.workDirectory().resolve("state").resolve(name).toUri().toString();
    }

    private void startProcesses() throws InterruptedException {
        Path libDirectory = settings.libDirectory();
        if (!Files.isDirectory(libDirectory)) {
            throw new IllegalStateException("no Flink jars at " + libDirectory
                    + ": build the flink-session module first (./mvnw -pl flink-session -am package)");
        }
        int restPort = settings.restPort() == 0 ? freePort() : settings.restPort();
        Path confDirectory = writeConfiguration(restPort);
        rest = new FlinkRestClient(URI.create("http://127.0.0.1:" + restPort));
        processes.add(launch("jobmanager", JOB_MANAGER_MAIN, "GET_JM_RESOURCE_PARAMS",
                confDirectory));
        awaitRest(0);
        processes.add(launch("taskmanager", TASK_MANAGER_MAIN, "GET_TM_RESOURCE_PARAMS",
                confDirectory));
        awaitRest(settings.slots());
    }

    private Path writeConfiguration(int restPort) {
        Path work = settings.workDirectory();
        Path conf = work.resolve("conf");
        Map<String, String> config = new LinkedHashMap<>();
        config.put("jobmanager.rpc.address", "localhost");
        config.put("jobmanager.rpc.port", Integer.toString(freePort()));
        config.put("jobmanager.bind-host", "localhost");
        config.put("jobmanager.memory.process.size", settings.jobManagerProcessSize());
        config.put("taskmanager.host", "localhost");
        config.put("taskmanager.bind-host", "localhost");
        config.put("taskmanager.memory.process.size", settings.taskManagerProcessSize());
        config.put("taskmanager.numberOfTaskSlots", Integer.toString(settings.slots()));
        config.put("parallelism.default", "1");
        config.put("rest.address", "127.0.0.1");
        config.put("rest.bind-address", "127.0.0.1");
        config.put("rest.port", Integer.toString(restPort));
        config.put("web.upload.dir", work.resolve("uploads").toString());
        config.put("io.tmp.dirs", work.resolve("tmp").toString());
        config.put("execution.checkpointing.dir", stateUri("checkpoints"));
        config.put("execution.checkpointing.savepoint-dir", stateUri("savepoints"));
        // As in production: a cancelled or crashed job's last checkpoint stays, to restart from.
        config.put("execution.checkpointing.externalized-checkpoint-retention",
                "RETAIN_ON_CANCELLATION");
        config.put("env.java.opts.all", String.join(" ", DEFAULT_JAVA_OPTIONS));
        config.putAll(settings.extraConfiguration());
        StringBuilder yaml = new StringBuilder("# Written by FlinkSessionCluster\n");
        config.forEach((key, value) -> yaml.append(key).append(": ")
                .append(Json.quote(value)).append('\n'));
        try {
            for (String directory : List.of("conf", "log", "uploads", "tmp", "state")) {
                Files.createDirectories(work.resolve(directory));
            }
            Files.writeString(conf.resolve("config.yaml"), yaml, StandardCharsets.UTF_8);
            Files.writeString(conf.resolve("log4j.properties"), """
                    rootLogger.level = INFO
                    rootLogger.appenderRef.file.ref = file
                    appender.file.type = File
                    appender.file.name = file
                    appender.file.fileName = ${sys:log.file}
                    appender.file.layout.type = PatternLayout
                    appender.file.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n
                    logger.kafka.name = org.apache.kafka
                    logger.kafka.level = WARN
                    """, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the cluster configuration", e);
        }
        return conf;
    }

    /**
     * Starts one process the way Flink's {@code jobmanager.sh} and {@code taskmanager.sh} do:
     * Flink's {@code BashJavaUtils} turns the configured process size into JVM memory flags and
     * the fine-grained memory options, which the process then gets as dynamic properties.
     */
    private Process launch(String role, String mainClass, String resourceCommand,
            Path confDirectory) throws InterruptedException {
        List<String> resources = resourceParameters(resourceCommand, confDirectory);
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(split(resources.get(0)));
        command.addAll(DEFAULT_JAVA_OPTIONS);
        command.add("-Dlog.file=" + logDirectory().resolve(role + ".log"));
        command.add("-Dlog4j.configurationFile="
                + confDirectory.resolve("log4j.properties").toUri());
        command.addAll(List.of("-cp", classpath(), mainClass, "--configDir",
                confDirectory.toString()));
        command.addAll(split(resources.get(1)));
        try {
            return new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(logDirectory().resolve(role + ".out").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the " + role, e);
        }
    }

    private List<String> resourceParameters(String resourceCommand, Path confDirectory)
            throws InterruptedException {
        Path output = settings.workDirectory().resolve("tmp").resolve(resourceCommand + ".txt");
        try {
            Process process = new ProcessBuilder(java(), "-cp", classpath(),
                    "org.apache.flink.runtime.util.bash.BashJavaUtils", resourceCommand,
                    "--configDir", confDirectory.toString())
                    .redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(resourceCommand + " failed:\n"
                        + Files.readString(output));
            }
            List<String> results = Files.readAllLines(output).stream()
                    .filter(line -> line.startsWith(RESULT_PREFIX))
                    .map(line -> line.substring(RESULT_PREFIX.length())).toList();
            if (results.size() != 2) {
                throw new IllegalStateException(resourceCommand + " printed no JVM and dynamic"
                        + " parameters:\n" + Files.readString(output));
            }
            return results;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + resourceCommand, e);
        }
    }

    private static List<String> split(String arguments) {
        return arguments.isBlank() ? List.of() : List.of(arguments.trim().split("\\s+"));
    }

    private String java() {
        return Path.of(settings.javaHome(), "bin", "java").toString();
    }

    private String classpath() {
        return settings.libDirectory().toAbsolutePath() + "/*";
    }

    private void awaitRest(int slotsExpected) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            for (Process process : processes) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("a cluster process exited with "
                            + process.exitValue() + "\n" + logTails());
                }
            }
            try {
                Map<String, Object> overview = rest.overview();
                last = overview.toString();
                Object slots = overview.get("slots-total");
                if (slots instanceof Long total && total >= slotsExpected) {
                    return;
                }
            } catch (FlinkRestClient.FlinkRestException e) {
                last = e.getMessage();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("cluster not up in " + START_TIMEOUT + " (last: " + last
                + ")\n" + logTails());
    }

    /** The last lines of each process's log, for failure messages. */
    public String logTails() {
        StringBuilder out = new StringBuilder();
        for (String name : List.of("jobmanager.log", "jobmanager.out", "taskmanager.log",
                "taskmanager.out")) {
            Path file = logDirectory().resolve(name);
            try {
                if (Files.exists(file)) {
                    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                    out.append("--- ").append(name).append('\n');
                    lines.subList(Math.max(0, lines.size() - 40), lines.size())
                            .forEach(line -> out.append(line).append('\n'));
                }
            } catch (IOException | UncheckedIOException e) {
                out.append("--- ").append(name).append(": unreadable ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process process = processes.get(i);
            process.destroy();
            try {
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /**
     * How to start the cluster. Memory sizes are Flink process sizes ("1600m"); Flink derives
     * each JVM's heap and direct memory from them.
     *
     * @param restPort 0 picks a free port
     */
    public record Settings(Path libDirectory, Path workDirectory, int restPort, int slots,
            String jobManagerProcessSize, String taskManagerProcessSize, String javaHome,
            Map<String, String> extraConfiguration) {

        public Settings {
            if (slots < 1 || slots > 64) {
                throw new IllegalArgumentException("slots must be 1..64, was " + slots);
            }
            extraConfiguration = Map.copyOf(extraConfiguration);
        }

        /**
         * Sizes that fit a laptop or CI machine: 2 slots, about 2.6 GB for both processes, and
         * little managed memory (the jobs use the heap state backend).
         */
        public static Settings defaults(Path libDirectory, Path workDirectory) {
            return new Settings(libDirectory, workDirectory, 0, 2, "1024m", "1600m",
                    System.getProperty("java.home"),
                    Map.of("taskmanager.memory.managed.fraction", "0.1"));
        }

        public Settings withRestPort(int port) {
            return new Settings(libDirectory, workDirectory, port, slots, jobManagerProcessSize,
                    taskManagerProcessSize, javaHome, extraConfiguration);
        }

        public Settings withSlots(int count) {
            return new Settings(libDirectory, workDirectory, restPort, count,
                    jobManagerProcessSize, taskManagerProcessSize, javaHome, extraConfiguration);
        }
    }
}
