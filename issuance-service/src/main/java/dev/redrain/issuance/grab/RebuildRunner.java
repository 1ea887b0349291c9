package dev.redrain.issuance.grab;

import dev.redrain.core.keys.RedisKeys;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import jakarta.annotation.PreDestroy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Runs rebuilds in the background, one per namespace across instances, and keeps their
 * progress in {@code budget_rebuild}: a caller starts one (or joins the one running, wherever it
 * runs) and follows it there, so a caller that times out leaves a rebuild that its instance
 * still owns and reports on, never one that nobody owns. A rebuild whose instance died stops
 * its heartbeat; the next call marks it ABANDONED and starts another (the work is safe to run
 * again: every restore writes only what is missing).
 */
@Component
public class RebuildRunner {
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /** A RUNNING row whose heartbeat is this old belongs to an instance that died. */
    static final Duration STALE = Duration.ofSeconds(15);
    private static final Logger LOG = LoggerFactory.getLogger(RebuildRunner.class);

    private final RedisRebuilder rebuilder;
    private final RebuildRuns runs;
    private final BudgetGuard guard;
    private final JdbcTemplate jdbc;
    private final String namespace;
    private final String instance;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            runnable -> daemon(runnable, "budget-rebuild"));
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(
            runnable -> daemon(runnable, "budget-rebuild-heartbeat"));
    private final Map<Long, RedisRebuilder.Progress> mine = new ConcurrentHashMap<>();

    RebuildRunner(RedisRebuilder rebuilder, RebuildRuns runs, BudgetGuard guard,
            JdbcTemplate jdbc, RedisKeys keys) {
        this.rebuilder = rebuilder;
        this.runs = runs;
        this.guard = guard;
        this.jdbc = jdbc;
        this.namespace = keys.namespace();
        this.instance = instanceName();
        heartbeats.scheduleWithFixedDelay(this::beat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** A run and whether this call started it (false: it joined one already running). */
    public record Started(RebuildRuns.Run run, boolean started) {
    }

    /**
     * Starts a rebuild, or joins the one running on any instance: the whole store when the
     * budgets are not live, else the lost shards of DEGRADED templates.
     *
     * @throws ApiException 409 BUDGETS_LIVE when nothing is to be rebuilt
     */
    public Started start(String reason) {
        return jdbc.execute((ConnectionCallback<Started>) connection -> {
            // Deciding and inserting under one lock: two calls on two instances at once start
            // one rebuild, not two.
            String lock = "redrain-rebuild-start-" + namespace;
            if (!RedisRebuilder.namedLock(connection, "SELECT GET_LOCK(?, ?)", lock, 10)) {
                throw ApiException.unavailable(ErrorCode.DEPENDENCY_UNAVAILABLE, "another"
                        + " rebuild call is deciding; ask again", Duration.ofSeconds(1));
            }
            try {
                int abandoned = runs.abandonStale(namespace, STALE);
                if (abandoned > 0) {
                    LOG.warn("{} rebuild(s) of {} abandoned: their instance stopped reporting",
                            abandoned, namespace);
                }
                Optional<RebuildRuns.Run> running = runs.running(namespace);
                if (running.isPresent()) {
                    return new Started(running.get(), false);
                }
                boolean partial = guard.check() == BudgetGuard.State.LIVE;
                if (partial && guard.degradedTemplates().isEmpty()) {
                    throw nothingToRebuild();
                }
                RebuildRuns.Kind kind = partial ? RebuildRuns.Kind.LOST_SHARDS
                        : RebuildRuns.Kind.FULL;
                long id = runs.insert(namespace, kind, instance, reason);
                RedisRebuilder.Progress progress = new RedisRebuilder.Progress();
                mine.put(id, progress);
                worker.execute(() -> execute(id, kind, progress));
                return new Started(runs.get(namespace, id).orElseThrow(), true);
            } finally {
                RedisRebuilder.namedLock(connection, "SELECT RELEASE_LOCK(?)", lock, -1);
            }
        });
    }

    /**
     * The run, once it is no longer RUNNING or {@code wait} has passed, whichever is first.
     */
    public RebuildRuns.Run await(long rebuildId, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        RebuildRuns.Run run = find(rebuildId).orElseThrow();
        while (run.status() == RebuildRuns.Status.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(100);
            run = find(rebuildId).orElseThrow();
        }
        return run;
    }

    public Optional<RebuildRuns.Run> find(long rebuildId) {
        return runs.get(namespace, rebuildId);
    }

    public Optional<RebuildRuns.Run> latest() {
        return runs.latest(namespace);
    }

    static ApiException nothingToRebuild() {
        return new ApiException(HttpStatus.CONFLICT, ErrorCode.BUDGETS_LIVE,
                "budgets are live in Redis; there is nothing to rebuild");
    }

    private void execute(long id, RebuildRuns.Kind kind, RedisRebuilder.Progress progress) {
        try {
            Optional<RedisRebuilder.Result> result = kind == RebuildRuns.Kind.FULL
                    ? rebuilder.rebuild(progress) : rebuilder.restoreLost(progress);
            beat(id, progress);
            runs.finish(id, result.orElse(null));
        } catch (RuntimeException e) {
            LOG.error("rebuild {} of {} failed; ask again (it is safe to rerun)", id, namespace,
                    e);
            runs.fail(id, e.toString());
        } finally {
            mine.remove(id);
        }
    }

    private void beat() {
        mine.forEach(this::beat);
    }

    private void beat(long id, RedisRebuilder.Progress progress) {
        try {
            long total = progress.recordsTotal.get();
            runs.progress(id, progress.phase, progress.recordsRead.get(), total < 0 ? null
                    : total, progress.answersRestored.get(), progress.answersTotal < 0 ? null
                            : progress.answersTotal);
        } catch (RuntimeException e) {
            // MySQL unreachable: the next beat tries again (a long outage makes it stale).
            LOG.warn("rebuild {}: progress not written: {}", id, e.toString());
        }
    }

    @PreDestroy
    void stop() {
        heartbeats.shutdownNow();
        worker.shutdownNow();
    }

    private static String instanceName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid();
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }
}
