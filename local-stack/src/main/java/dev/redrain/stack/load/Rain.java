package dev.redrain.stack.load;

import dev.redrain.client.RedrainClient;
import dev.redrain.client.RedrainException;
import dev.redrain.client.TokenKeeper;
import dev.redrain.stack.run.StackException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

/**
 * A red packet rain against the issuance service, signed like the apps' servers sign: at a
 * set rate, for a set time, split into rains; each tap is a random user of a population, from
 * the user's own app or (sometimes) another app of the same account center, so the same
 * person tapping twice in one rain, from any app, must get the same answer. It records every
 * answer and checks that: a repeated tap answered differently is an idempotency violation.
 */
public final class Rain {
    private static final int WORKERS = 48;
    private static final int TROUBLES_KEPT = 100_000;
    /**
     * How long a client keeps asking again for an answer it did not get: well inside the minute
     * a rain stays open after its taps (a retry is refused once its rain closes).
     */
    public static final Duration ASK_AGAIN_MAX = Duration.ofSeconds(40);
    /** Clients asking again at once (one would take longer than the minute for thousands). */
    private static final int ASKERS = 16;

    public record Settings(String activityId, String sceneId, String userPrefix, int users,
            double ratePerSecond, Duration duration, int rains, long seed, List<String> apps) {
        public Settings {
            if (users <= 0 || ratePerSecond <= 0 || duration.isNegative() || duration.isZero()
                    || rains <= 0 || apps.isEmpty()) {
                throw new IllegalArgumentException("users, rate, duration and rains must be"
                        + " positive");
            }
        }

        String userId(int user) {
            return Rain.userId(userPrefix, user);
        }

        String homeApp(int user) {
            return apps.get(user % apps.size());
        }
    }

    /** A tap to ask again: who, from which app, and which rain. */
    private record Unanswered(String userId, String app, int rain) {
    }

    /** A token a client received. */
    public record Received(String outTradeNo, String actId, String userId, String appId,
            String outcome, String awardType, long amountMinor,
            String currency, String token) {
    }

    static String userId(String prefix, int user) {
        return prefix + String.format("%06d", user);
    }

    private final Settings settings;
    private final IssuanceClient client;
    /** Each app's server, as the SDK's client; one keeper, as the account center's wallet. */
    private final Map<String, RedrainClient> apps = new LinkedHashMap<>();
    private final TokenKeeper keeper = new TokenKeeper();
    private final Map<String, String> firstAnswerByKey = new ConcurrentHashMap<>();
    private final Map<String, Received> tokens = new ConcurrentHashMap<>();
    private final Map<String, String> firstAppByUser = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final LongAdder taps = new LongAdder();
    private final LongAdder repeats = new LongAdder();
    private final LongAdder idempotencyViolations = new LongAdder();
    /**
     * Taps that got no answer (a 5xx, a timeout, a refused connection) and none since, by
     * user and rain: a client holds no answer for them, so it asks again after the rain.
     */
    private final Map<String, Unanswered> unanswered = new ConcurrentHashMap<>();
    private final Map<String, String> stillUnanswered = new ConcurrentHashMap<>();
    private final Map<String, Long> refusedWhenAskedAgain = new ConcurrentHashMap<>();
    private final LongAdder askedAgain = new LongAdder();
    private final LongAdder serverErrors = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder connectionErrors = new LongAdder();
    private final AtomicLong latencyMaxMs = new AtomicLong();
    private final long[] latencyBucketsMs = new long[64];
    private final AtomicInteger currentRain = new AtomicInteger(-1);
    private final List<Trouble> troubles = Collections.synchronizedList(
            new ArrayList<>());
    private volatile long startedAtNanos;
    private volatile Instant startedAt;

    public Rain(Settings settings, IssuanceClient client) {
        this.settings = settings;
        this.client = client;
        for (String app : settings.apps()) {
            apps.put(app, client.app(app).tokens(keeper).listener(this::heard).build());
        }
    }

    /** The app's client, holding (with the other apps') the tokens the rain's users won. */
    public RedrainClient app(String appId) {
        return apps.get(appId);
    }

    /**
     * Runs the rain; {@code onRainStart} is called (on one thread, before that rain's first
     * tap) with each rain's index, for the caller's stage switches.
     */
    public void run(IntConsumer onRainStart) throws Exception {
        if (Festival.scheduleRains(client, settings.activityId(), settings.sceneId(),
                settings.rains(), settings.duration())) {
            // Every instance reloads its catalog within a second (redrain.catalog-refresh).
            Thread.sleep(1_500);
        }
        long intervalNanos = (long) (1e9 / settings.ratePerSecond());
        long durationNanos = settings.duration().toNanos();
        long rainNanos = durationNanos / settings.rains();
        AtomicLong nextSlot = new AtomicLong();
        startedAtNanos = System.nanoTime();
        startedAt = Instant.now();
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
        for (int w = 0; w < WORKERS; w++) {
            int worker = w;
            workers.execute(() -> {
                SplittableRandom random = new SplittableRandom(settings.seed() * 31 + worker);
                while (true) {
                    long slot = nextSlot.getAndAdd(intervalNanos);
                    if (slot >= durationNanos) {
                        return;
                    }
                    long wait = startedAtNanos + slot - System.nanoTime();
                    if (wait > 0) {
                        try {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    int rain = (int) Math.min(settings.rains() - 1, slot / rainNanos);
                    startRain(rain, onRainStart);
                    tap(random, rain, slot);
                }
            });
        }
        workers.shutdown();
        if (!workers.awaitTermination(settings.duration().toSeconds() + 120, TimeUnit.SECONDS)) {
            workers.shutdownNow();
        }
    }

    private void startRain(int rain, IntConsumer onRainStart) {
        int current = currentRain.get();
        if (rain > current) {
            synchronized (currentRain) {
                if (rain > currentRain.get()) {
                    onRainStart.accept(rain);
                    currentRain.set(rain);
                }
            }
        }
    }

    private void tap(SplittableRandom random, int rain, long slot) {
        int user = random.nextInt(settings.users());
        String userId = settings.userId(user);
        String app = random.nextInt(10) < 7 ? settings.homeApp(user)
                : settings.apps().get(random.nextInt(settings.apps().size()));
        taps.increment();
        try {
            answered(userId, app, rain, grab(app, userId, rain));
        } catch (RedrainException.Unavailable e) {
            // The SDK's retries are used up: the client holds no answer, and asks again later.
            unanswered(userId, app, rain);
            count(e.status() == 0 ? e.code() : "HTTP_" + e.status() + " " + e.code());
        } catch (RedrainException e) {
            count(e.code());
        }
    }

    private RedrainClient.Grab grab(String app, String userId, int rain) {
        return apps.get(app).grab(userId, settings.activityId(), settings.sceneId(), "rain-"
                + (rain + 1));
    }

    /**
     * Every try the SDK made: its latency, and a 5xx, a timeout or a refused connection as a
     * trouble (a tap the SDK retried to an answer still had them).
     */
    private void heard(RedrainClient.Attempt attempt) {
        long startedNanos = System.nanoTime() - attempt.tookMs() * 1_000_000;
        if (attempt.answered()) {
            recordLatency(attempt.tookMs());
        }
        if (attempt.status() >= 500) {
            serverErrors.increment();
            trouble(startedNanos, attempt.status() + " " + attempt.code(), attempt.detail());
        } else if ("TIMEOUT".equals(attempt.code())) {
            timeouts.increment();
            trouble(startedNanos, "TIMEOUT", "");
        } else if (!attempt.answered()) {
            connectionErrors.increment();
            String message = attempt.detail();
            trouble(startedNanos, "CONNECTION_ERROR " + message.substring(0, Math.min(60,
                    message.length())), "");
        }
    }

    /**
     * A 5xx, a timeout or a refused connection, with when it started and the service's detail
     * (which dependency failed), for the chaos suite and the demo's report.
     */
    public record Trouble(long atMs, String what, String detail) {
        @Override
        public String toString() {
            return String.format("%.1f s %s%s", atMs / 1e3, what, detail.isEmpty() ? ""
                    : " (" + detail + ")");
        }
    }

    /** When the rain started (wall clock). */
    public Instant startedAt() {
        return startedAt;
    }

    /** The wall-clock time of a trouble (to find the service's log lines about it). */
    public Instant wallClockOf(Trouble trouble) {
        return startedAt.plusMillis(trouble.atMs());
    }

    private void trouble(long startedNanos, String what, String detail) {
        if (troubles.size() < TROUBLES_KEPT) {
            troubles.add(new Trouble((startedNanos - startedAtNanos) / 1_000_000, what,
                    detail));
        }
    }

    /** Every 5xx, timeout and refused connection (the first 100,000). */
    public List<Trouble> troubles() {
        synchronized (troubles) {
            return List.copyOf(troubles);
        }
    }

    /** Milliseconds since the rain started (the clock of {@link Trouble#atMs()}). */
    public long elapsedMs() {
        return startedAtNanos == 0 ? 0 : (System.nanoTime() - startedAtNanos) / 1_000_000;
    }

    private void unanswered(String userId, String app, int rain) {
        String key = userId + "|" + rain;
        if (!firstAnswerByKey.containsKey(key)) {
            unanswered.putIfAbsent(key, new Unanswered(userId, app, rain));
        }
    }

    /**
     * After the rain, asks again (the same request, so the same idempotency key) for every tap
     * that got no answer, as the API tells a client to, until each is answered or
     * {@code within} has passed: a grab the service committed but could not answer is then
     * in a client's hands too, so what clients received can be set against what was granted.
     * Returns the taps still unanswered.
     */
    public int askAgainUnanswered(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        ExecutorService askers = Executors.newFixedThreadPool(ASKERS);
        try {
            while (!unanswered.isEmpty() && System.nanoTime() < deadline) {
                List<Future<?>> pass = new ArrayList<>();
                for (Map.Entry<String, Unanswered> entry : List.copyOf(unanswered.entrySet())) {
                    pass.add(askers.submit(() -> askAgain(entry.getKey(), entry.getValue())));
                }
                for (Future<?> asked : pass) {
                    try {
                        asked.get();
                    } catch (ExecutionException e) {
                        throw new StackException("asking again failed: " + e.getCause());
                    }
                }
                if (!unanswered.isEmpty()) {
                    Thread.sleep(500);
                }
            }
        } finally {
            askers.shutdownNow();
        }
        return unanswered.size();
    }

    private void askAgain(String key, Unanswered tap) {
        try {
            RedrainClient.Grab grab = grab(tap.app(), tap.userId(), tap.rain());
            unanswered.remove(key);
            askedAgain.increment();
            answered(tap.userId(), tap.app(), tap.rain(), grab);
        } catch (RedrainException.Unavailable e) {
            // Still no answer: asked again on the next pass.
            stillUnanswered.put(key, e.status() + " " + e.code());
        } catch (RedrainException e) {
            // A grab the service decided is answered even once its rain or activity has
            // closed; a refusal now means it granted nothing for this tap (a grant it did
            // make would show as held by no client: invariant "received = granted").
            unanswered.remove(key);
            refusedWhenAskedAgain.merge(e.status() + " " + e.code(), 1L, Long::sum);
        }
    }

    /** What asking again after the rain came to, for the report. */
    public String askedAgainSummary() {
        return "asked again after the rain: " + askedAgain.sum() + " taps answered, refused "
                + new TreeMap<>(refusedWhenAskedAgain) + ", " + unanswered.size()
                + " still unanswered" + (unanswered.isEmpty() ? "" : " "
                        + stillUnansweredBecause());
    }

    /** Why the taps still unanswered were not answered the last time they were asked. */
    private Map<String, Long> stillUnansweredBecause() {
        Map<String, Long> because = new TreeMap<>();
        unanswered.keySet().forEach(key -> because.merge(stillUnanswered.getOrDefault(key,
                "not asked"), 1L, Long::sum));
        return because;
    }

    /** Taps answered only when asked again after the rain. */
    public long askedAgain() {
        return askedAgain.sum();
    }

    private void answered(String userId, String app, int rain, RedrainClient.Grab grab) {
        String key = userId + "|" + rain;
        unanswered.remove(key);
        String fingerprint = grab.outcome() + "|" + grab.outTradeNo();
        String first = firstAnswerByKey.putIfAbsent(key, fingerprint);
        if (first != null) {
            repeats.increment();
            count("REPEAT_" + grab.outcome());
            if (!first.equals(fingerprint)) {
                idempotencyViolations.increment();
            }
            return;
        }
        count(grab.outcome());
        firstAppByUser.putIfAbsent(userId, app);
        if (grab.outTradeNo() != null && grab.award() != null) {
            tokens.put(grab.outTradeNo(), new Received(grab.outTradeNo(), grab.actId(), userId,
                    app, grab.outcome(), grab.award().type(), grab.award().amountMinor(),
                    grab.award().currency(), grab.token()));
        }
    }

    private void count(String what) {
        outcomes.computeIfAbsent(what, key -> new LongAdder()).increment();
    }

    private void recordLatency(long ms) {
        latencyMaxMs.accumulateAndGet(ms, Math::max);
        int bucket = ms <= 0 ? 0 : Math.min(63, 64 - Long.numberOfLeadingZeros(ms));
        synchronized (latencyBucketsMs) {
            latencyBucketsMs[bucket]++;
        }
    }

    /** Upper bound (a power of two) of the latency below which {@code share} of taps fell. */
    public long latencyUpperBoundMs(double share) {
        synchronized (latencyBucketsMs) {
            long total = 0;
            for (long count : latencyBucketsMs) {
                total += count;
            }
            long seen = 0;
            for (int i = 0; i < latencyBucketsMs.length; i++) {
                seen += latencyBucketsMs[i];
                if (total > 0 && seen >= share * total) {
                    return i == 0 ? 0 : 1L << i;
                }
            }
        }
        return 0;
    }

    public Map<String, Long> outcomes() {
        Map<String, Long> copy = new TreeMap<>();
        outcomes.forEach((key, adder) -> copy.put(key, adder.sum()));
        return copy;
    }

    public long taps() {
        return taps.sum();
    }

    public long repeats() {
        return repeats.sum();
    }

    public long idempotencyViolations() {
        return idempotencyViolations.sum();
    }

    public long serverErrors() {
        return serverErrors.sum();
    }

    public long timeouts() {
        return timeouts.sum();
    }

    long connectionErrors() {
        return connectionErrors.sum();
    }

    long latencyMaxMs() {
        return latencyMaxMs.get();
    }

    public double elapsedSeconds() {
        return startedAtNanos == 0 ? 0 : (System.nanoTime() - startedAtNanos) / 1e9;
    }

    public int currentRain() {
        return currentRain.get();
    }

    public Map<String, Received> tokens() {
        return Map.copyOf(tokens);
    }

    /** The amount of the tokens clients received, by currency. */
    Map<String, Long> receivedByCurrency() {
        Map<String, Long> sums = new TreeMap<>();
        tokens.values().forEach(t -> sums.merge(t.currency(), t.amountMinor(), Long::sum));
        return sums;
    }

    String firstApp(String userId) {
        return firstAppByUser.get(userId);
    }

    List<Received> tokensOf(String actId) {
        List<Received> of = new ArrayList<>();
        tokens.values().forEach(t -> {
            if (t.actId().equals(actId)) {
                of.add(t);
            }
        });
        return of;
    }
}
