package dev.redrain.bench;

import java.lang.reflect.Method;
import java.nio.file.Path;

/**
 * Profiles one phase of a benchmark with async-profiler, when asked: run the harness with
 * {@code -Dbench.profile=event=itimer,interval=2ms,threads} and async-profiler's jar on the boot
 * class path and its library loadable, e.g. {@code -Dbench.jvmArgs="-Xbootclasspath/a:ASYNC.jar
 * -agentpath:LIB -Dbench.profile=event=itimer,interval=2ms,threads"}. Each phase then writes
 * {@code bench/target/profile-<phase>.collapsed} (collapsed stacks, for flame graphs or grep).
 * Without the property this does nothing.
 */
final class PhaseProfiler {
    private static final String OPTIONS = System.getProperty("bench.profile", "");

    private PhaseProfiler() {
    }

    static void start() {
        if (!OPTIONS.isEmpty()) {
            execute("start," + OPTIONS);
        }
    }

    static void stop(String phase) {
        if (!OPTIONS.isEmpty()) {
            Path file = Path.of("bench", "target", "profile-" + phase + ".collapsed")
                    .toAbsolutePath();
            execute("stop,file=" + file + ",collapsed");
            System.out.println("profile of " + phase + ": " + file);
        }
    }

    private static void execute(String command) {
        try {
            Class<?> profiler = Class.forName("one.profiler.AsyncProfiler");
            Object instance = profiler.getMethod("getInstance").invoke(null);
            Method execute = profiler.getMethod("execute", String.class);
            execute.invoke(instance, command);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("bench.profile is set but async-profiler is not"
                    + " usable: " + e, e);
        }
    }
}
