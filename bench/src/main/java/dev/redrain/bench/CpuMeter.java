package dev.redrain.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * CPU time used by the parts a measurement stands on, read before and after it: this JVM (the
 * job, Flink, the in-process Kafka broker, the load generator) and, where they run on this
 * machine, the MariaDB and Redis server processes (from {@code /proc}; Linux only, absent
 * elsewhere). Says where the cores went when a measurement is CPU-bound.
 */
final class CpuMeter {
    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
    private static final Map<String, String> SERVERS = Map.of(
            "mariadbd", "MariaDB", "mysqld", "MariaDB", "redis-server", "Redis");

    private final Map<String, Long> startNanos;
    private final long startWall = System.nanoTime();

    private CpuMeter(Map<String, Long> startNanos) {
        this.startNanos = startNanos;
    }

    static CpuMeter start() {
        return new CpuMeter(read());
    }

    /** "JVM 1.52 cores, MariaDB 0.41, Redis 0.12" over the time since {@link #start()}. */
    String sinceStart() {
        double wallSeconds = (System.nanoTime() - startWall) / 1e9;
        Map<String, Long> now = read();
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, Long> part : now.entrySet()) {
            Long before = startNanos.get(part.getKey());
            if (before == null) {
                continue;
            }
            double cores = (part.getValue() - before) / 1e9 / wallSeconds;
            text.append(text.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT,
                    "%s %.2f", part.getKey(), cores));
        }
        return text + " cores";
    }

    private static Map<String, Long> read() {
        Map<String, Long> nanos = new LinkedHashMap<>();
        nanos.put("JVM", ((com.sun.management.OperatingSystemMXBean) ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime());
        Path proc = Path.of("/proc");
        if (!Files.isDirectory(proc)) {
            return nanos;
        }
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path process : processes) {
                try {
                    String stat = Files.readString(process.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String label = SERVERS.get(stat.substring(open + 1, close));
                    if (label == null) {
                        continue;
                    }
                    // Fields after the command: state is field 3; utime, stime are 14 and 15.
                    String[] fields = stat.substring(close + 2).split(" ");
                    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    nanos.merge(label, ticks * 1_000_000_000L / TICKS_PER_SECOND, Long::sum);
                } catch (IOException | RuntimeException gone) {
                    // the process ended while we looked, or is not readable: skip it
                }
            }
        } catch (IOException e) {
            // no /proc listing: JVM figures only
        }
        return nanos;
    }
}
