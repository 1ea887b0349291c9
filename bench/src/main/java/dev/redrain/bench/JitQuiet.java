package dev.redrain.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;

/**
 * Waits until the JIT compiler has caught up: a long-running job's code is compiled long before
 * anyone measures it, but on 2 cores the compiler threads still took over half of the JVM's CPU
 * (async-profiler) while a job credited its measured tokens right after 60,000 warm-up tokens.
 * Quiet means the compilers spent less than {@link #QUIET_SHARE} of one core over the last
 * second.
 */
final class JitQuiet {
    static final double QUIET_SHARE = 0.03;
    private static final long STEP_MS = 1_000;

    private JitQuiet() {
    }

    /** Milliseconds the JIT compilers have spent so far (0 where the JVM does not say). */
    static long compileMillis() {
        CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
        return compiler == null || !compiler.isCompilationTimeMonitoringSupported() ? 0
                : compiler.getTotalCompilationTime();
    }

    /** Waits at most {@code max}; returns how long it waited and whether it got quiet. */
    static String await(Duration max) throws InterruptedException {
        CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
        if (compiler == null || !compiler.isCompilationTimeMonitoringSupported()) {
            return "no JIT timing in this JVM";
        }
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        long before = compiler.getTotalCompilationTime();
        while (System.nanoTime() < deadline) {
            Thread.sleep(STEP_MS);
            long now = compiler.getTotalCompilationTime();
            if (now - before < QUIET_SHARE * STEP_MS) {
                return String.format(Locale.ROOT, "JIT quiet after %.1f s",
                        (System.nanoTime() - start) / 1e9);
            }
            before = now;
        }
        return "JIT still busy after " + max.toSeconds() + " s";
    }
}
