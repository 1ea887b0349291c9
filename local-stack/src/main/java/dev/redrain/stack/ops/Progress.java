package dev.redrain.stack.ops;

import dev.redrain.core.money.Money;
import dev.redrain.stack.load.Rain;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The live progress line of a rain: taps per second, outcomes, budget left, credited, credit
 * lag, alerts. Rewritten in place on a terminal, one line every five seconds in a log.
 */
public final class Progress implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            runnable -> {
                Thread thread = new Thread(runnable, "progress");
                thread.setDaemon(true);
                return thread;
            });
    private final PrintStream out;
    private final boolean terminal = System.console() != null;
    private final Rain rain;
    private final Supplier<Ops.Snapshot> snapshots;
    private long lastTaps;
    private int ticks;

    public Progress(PrintStream out, Rain rain, Supplier<Ops.Snapshot> snapshots) {
        this.out = out;
        this.rain = rain;
        this.snapshots = snapshots;
        timer.scheduleAtFixedRate(this::print, 1, 1, TimeUnit.SECONDS);
    }

    private void print() {
        try {
            long taps = rain.taps();
            long perSecond = taps - lastTaps;
            lastTaps = taps;
            ticks++;
            if (!terminal && ticks % 5 != 0) {
                return;
            }
            String line = line(perSecond, snapshots.get());
            if (terminal) {
                out.print("\r\033[K" + line);
            } else {
                out.println("  " + line);
            }
            out.flush();
        } catch (RuntimeException e) {
            // A part is down; the next second prints again.
        }
    }

    private String line(long perSecond, Ops.Snapshot snapshot) {
        Map<String, Long> outcomes = rain.outcomes();
        StringBuilder line = new StringBuilder(String.format("t=%3.0fs rain %d  %4d taps/s  ",
                rain.elapsedSeconds(), rain.currentRain() + 1, perSecond));
        line.append("awarded ").append(outcomes.getOrDefault("AWARDED", 0L))
                .append(" fallback ").append(outcomes.getOrDefault("FALLBACK", 0L))
                .append(" empty ").append(outcomes.getOrDefault("EMPTY", 0L))
                .append(" repeat ").append(rain.repeats());
        long refused = outcomes.entrySet().stream()
                .filter(e -> !e.getKey().matches("AWARDED|FALLBACK|EMPTY|REPEAT_.*"))
                .mapToLong(Map.Entry::getValue).sum();
        line.append(" other ").append(refused);
        if (snapshot != null) {
            snapshot.activities().forEach(activity -> activity.templates().stream()
                    .filter(t -> t.templateId().endsWith("formal-cash"))
                    .forEach(t -> line.append(" | cash left ")
                            .append(Money.of(t.remainingMinor(), t.currency()).display())));
            line.append(" | credited ").append(snapshot.creditedTokens());
            if (snapshot.lagP50Ms() != null) {
                line.append(" lag p50 ").append(snapshot.lagP50Ms()).append(" ms");
            }
            line.append(" | alerts ").append(snapshot.alertsByRule().values().stream()
                    .mapToLong(Long::longValue).sum());
        }
        return line.toString();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (terminal) {
            out.println();
        }
    }
}
