package dev.redrain.stack.run;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A part of the platform run as it is deployed: {@code java -jar} of its executable jar in a
 * JVM of its own, output to a log file in the run's folder. Secrets reach it through a
 * properties file only its owner can read, never its command line.
 */
public final class ChildJvm implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path log;
    private Process process;

    public ChildJvm(String name, Path jar, String maxHeap, List<String> arguments,
            Map<String, String> environment, Path log) {
        this.name = name;
        this.command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap, "-XX:+UseSerialGC", "-jar", jar.toString()));
        this.command.addAll(arguments);
        this.environment = environment;
        this.log = log;
    }

    public String name() {
        return name;
    }

    Path log() {
        return log;
    }

    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        process = builder.start();
    }

    public boolean alive() {
        Process current = process;
        return current != null && current.isAlive();
    }

    /** Waits until {@code url} answers 200, or fails with the end of the log. */
    public void awaitHealthy(String url, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!alive()) {
                throw new StackException(name + " exited while starting; its log ends:\n"
                        + tail(30));
            }
            try {
                HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(250);
        }
        throw new StackException(name + " was not healthy within " + timeout.toSeconds()
                + " s; its log ends:\n" + tail(30));
    }

    /** Runs to the end; returns the exit code. */
    int runToEnd(Duration timeout) throws Exception {
        start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            throw new StackException(name + " did not finish within " + timeout.toSeconds()
                    + " s; its log ends:\n" + tail(30));
        }
        return process.exitValue();
    }

    /** SIGKILL: what a crashed machine or an OOM kill looks like to the others. */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** SIGTERM and a graceful shutdown, then SIGKILL after 30 s. */
    synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            process = null;
        }
    }

    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
