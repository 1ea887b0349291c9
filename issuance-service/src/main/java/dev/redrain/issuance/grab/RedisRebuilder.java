package dev.redrain.issuance.grab;

import dev.redrain.core.money.Money;
import dev.redrain.core.activity.Outcome;
import dev.redrain.core.catalog.Template;
import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.IdempotencyKey;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.ledger.LedgerReads;
import dev.redrain.core.outbox.OutboxStore;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.GrantRejectedException;
import dev.redrain.core.token.RedPacketToken;
import dev.redrain.core.token.TokenCodec;
import dev.redrain.core.token.TokenStatus;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.budget.BudgetRaises;
import dev.redrain.issuance.budget.BudgetStore;
import dev.redrain.issuance.config.IssuanceProperties;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Rebuilds Redis after it came back empty, from the durable record of every grab: the outbox
 * rows not yet published, then the token-issued topic (read from its first offset; its
 * retention must cover the activities). For each template, the amounts already granted are
 * subtracted from its budget and the rest is loaded; every answered idempotency key gets its
 * answer back (with its token sealed again: same content, same outTradeNo), every token its
 * hash, and tokens the ledger has not booked their pending entry. Then the budget epoch is
 * restored and grabs resume. Until then they are refused: a budget is never granted twice.
 */
@Component
public class RedisRebuilder {
    private static final Logger LOG = LoggerFactory.getLogger(RedisRebuilder.class);
    private static final Duration POLL = Duration.ofMillis(500);
    /** Restores in flight at once: enough to keep Redis busy, few enough to bound memory. */
    private static final int RESTORE_WINDOW = 1_000;
    /** How long a rebuild waits for another instance's rebuild before it gives up. */
    private static final Duration REBUILD_LOCK_WAIT = Duration.ofMinutes(5);

    private final IssuanceProperties properties;
    private final Topics topics;
    private final JdbcTemplate jdbc;
    private final CatalogRefresher catalog;
    private final BudgetStore budgets;
    private final BudgetGuard guard;
    private final GrabStore grabs;
    private final TokenCodec codec;
    private final GrantProof grantProof;
    /** Runs between the outbox read and the topic read: a test's seam for the relay race. */
    volatile Runnable betweenReads = () -> { };
    /** Records of the last rebuild whose grant proof did not verify: skipped, never restored. */
    private int unproven;
    private final StatefulRedisConnection<String, String> redis;
    private final RedisKeys keys;
    private final EventSerde serde = new EventSerde();
    private final OutboxStore outbox = new OutboxStore();
    private final LedgerReads ledger = new LedgerReads();
    private final BudgetRaises raises;

    private final Duration recordDeadline;
    private final Duration budgetCheckInterval;
    /** How long the topic read waits without a record (or an answer) before it fails. */
    private final Duration topicStall;

    RedisRebuilder(IssuanceProperties properties, Topics topics, JdbcTemplate jdbc,
            CatalogRefresher catalog, BudgetStore budgets, BudgetGuard guard, GrabStore grabs,
            TokenCodec codec, GrantProof grantProof, StatefulRedisConnection<String, String> redis,
            RedisKeys keys, BudgetRaises raises,
            @Value(GrabRecorder.RECORD_DEADLINE)
            Duration recordDeadline,
            @Value(
                    "${redrain.budget-check-interval:1s}") Duration budgetCheckInterval,
            @Value(
                    "${redrain.rebuild.topic-stall:30s}") Duration topicStall) {
        this.topicStall = topicStall;
        this.recordDeadline = recordDeadline;
        this.budgetCheckInterval = budgetCheckInterval;
        this.grantProof = grantProof;
        this.raises = raises;
        this.properties = properties;
        this.topics = topics;
        this.jdbc = jdbc;
        this.catalog = catalog;
        this.budgets = budgets;
        this.guard = guard;
        this.grabs = grabs;
        this.codec = codec;
        this.redis = redis;
        this.keys = keys;
    }

    /**
     * What a rebuild found and restored, and how long it took (grabs are refused meanwhile):
     * reading the record (topic and outbox), then writing Redis back.
     */
    public record Result(int events, int templates, long grantedMinor, int pendingTokens,
            long readMs, long restoreMs, int unprovenEvents) {
    }

    /** How far a rebuild has come; written by the rebuild, read by its runner's heartbeat. */
    static final class Progress {
        volatile RebuildRuns.Phase phase = RebuildRuns.Phase.STARTING;
        final AtomicLong recordsRead =
                new AtomicLong();
        /** Outbox rows and topic records to read, once known (unrecorded marks add to it). */
        final AtomicLong recordsTotal =
                new AtomicLong(-1);
        final AtomicLong answersRestored =
                new AtomicLong();
        volatile long answersTotal = -1;

        void addTotal(long records) {
            recordsTotal.updateAndGet(total -> Math.max(0, total) + records);
        }
    }

    /** The progress of the rebuild running on this instance (one at a time, by the lock). */
    private volatile Progress progress = new Progress();

    /**
     * Restores the shards of DEGRADED templates (lost while the budget epoch survived) from
     * the durable record, and only those: every other template keeps serving meanwhile.
     *
     * <ol>
     *   <li>Waits until no grab of those templates can still be in flight: every instance
     *       refuses them within a budget check, a grab's claim ends after the claim TTL, and
     *       a committed grab records its event within the record deadline (or stays marked
     *       unrecorded in Redis, which is read too).</li>
     *   <li>Seals the surviving shards (a give-back sent earlier no longer counts on them) and
     *       reads what they hold.</li>
     *   <li>Reads the record (outbox, topic, unrecorded events) and gives the missing shards
     *       what is left: budget minus recorded grants minus what survivors hold.</li>
     * </ol>
     */
    public Optional<Result> restoreLost() {
        return restoreLost(new Progress());
    }

    Optional<Result> restoreLost(Progress reported) {
        return exclusively(reported, () -> guard.degradedTemplates().isEmpty() ? null
                : restoreLostNow());
    }

    private Result restoreLostNow() {
        Set<String> lost = guard.degradedTemplates();
        long started = System.nanoTime();
        progress.phase = RebuildRuns.Phase.SETTLING;
        sleep(quietPeriod());
        Map<String, Template> templates = catalog.current().templates();
        Map<String, BudgetStore.Surviving> surviving = new HashMap<>();
        for (String templateId : lost) {
            Template template = templates.get(templateId);
            if (template != null) {
                surviving.put(templateId, budgets.seal(template));
            }
        }
        unproven = 0;
        Map<String, TokenIssued> events = record();
        long read = System.nanoTime();
        Map<String, List<Long>> grantedByTemplate = grantedByTemplate(events.values());
        long grantedMinor = 0;
        progress.phase = RebuildRuns.Phase.RESTORING_BUDGETS;
        for (Map.Entry<String, BudgetStore.Surviving> entry : surviving.entrySet()) {
            Template template = templates.get(entry.getKey());
            List<Long> granted = grantedByTemplate.getOrDefault(template.templateId(),
                    List.of());
            budgets.restoreMissing(template, entry.getValue(), granted);
            guard.restored(template, entry.getValue().missing());
            grantedMinor += granted.stream().mapToLong(Long::longValue).sum();
            LOG.warn("template {}: lost shards {} restored from {} recorded grants",
                    template.templateId(), entry.getValue().missing(), granted.size());
        }
        int pending = restoreAnswers(events.values());
        guard.check();
        return new Result(events.size(), surviving.size(), grantedMinor, pending,
                (read - started) / 1_000_000, (System.nanoTime() - read) / 1_000_000,
                unproven);
    }

    /**
     * How long after the last grant of a DEGRADED template nothing of it can still change: a
     * budget check (every instance refuses it), a claim TTL, and the record deadline.
     */
    private Duration quietPeriod() {
        return budgetCheckInterval.plus(properties.grabClaimTtl()).plus(recordDeadline);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for grabs to settle", e);
        }
    }

    /**
     * The durable record of every grab: the outbox first, then the topic (see below), then
     * the answers Redis holds as not yet recorded.
     */
    private Map<String, TokenIssued> record() {
        Map<String, TokenIssued> events = new LinkedHashMap<>();
        progress.phase = RebuildRuns.Phase.READING;
        // The outbox first, then the topic up to offsets taken after it: a row the relay
        // publishes meanwhile was unpublished when read (so it is in this read) or published
        // before (so it is on the topic below those offsets). The other order misses a row
        // published between the two reads.
        readOutbox(events);
        betweenReads.run();
        readTopic(events);
        readUnrecorded(events);
        return events;
    }

    private static Map<String, List<Long>> grantedByTemplate(
            Collection<TokenIssued> events) {
        Map<String, List<Long>> granted = new HashMap<>();
        for (TokenIssued event : events) {
            if (event.hasToken()) {
                granted.computeIfAbsent(event.templateId(), id -> new ArrayList<>())
                        .add(event.amountMinor());
            }
        }
        return granted;
    }

    /**
     * Rebuilds the whole store (see the class comment); empty when, by the time this call may
     * run, budgets are live again (a concurrent call, here or on another instance, rebuilt).
     */
    public Optional<Result> rebuild() {
        return rebuild(new Progress());
    }

    Optional<Result> rebuild(Progress reported) {
        return exclusively(reported, () -> guard.check() == BudgetGuard.State.LIVE ? null
                : rebuildNow());
    }

    /**
     * Runs {@code work} as the only rebuild of this namespace on any instance: a MySQL named
     * lock, held on one connection for the whole rebuild. A caller that waited for another
     * rebuild finds its work done and gets empty instead of doing it again.
     */
    private synchronized Optional<Result> exclusively(Progress reported,
            Supplier<Result> work) {
        progress = reported;
        String lock = "redrain-rebuild-" + keys.namespace();
        return Optional.ofNullable(jdbc.execute(
                (ConnectionCallback<Result>) connection -> {
                    if (!namedLock(connection, "SELECT GET_LOCK(?, ?)", lock,
                            REBUILD_LOCK_WAIT.toSeconds())) {
                        throw new IllegalStateException("another rebuild of " + keys.namespace()
                                + " held the lock for " + REBUILD_LOCK_WAIT.toSeconds() + " s");
                    }
                    try {
                        return work.get();
                    } finally {
                        namedLock(connection, "SELECT RELEASE_LOCK(?)", lock, -1);
                    }
                }));
    }

    static boolean namedLock(Connection connection, String sql, String name,
            long waitSeconds) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, name);
            if (waitSeconds >= 0) {
                statement.setLong(2, waitSeconds);
            }
            try (ResultSet row = statement.executeQuery()) {
                return row.next() && row.getInt(1) == 1;
            }
        }
    }

    private Result rebuildNow() {
        long started = System.nanoTime();
        unproven = 0;
        Map<String, TokenIssued> events = record();
        long read = System.nanoTime();
        Map<String, List<Long>> grantedByTemplate = grantedByTemplate(events.values());
        int templates = 0;
        long grantedMinor = 0;
        Map<String, Long> grantedByCurrency = new TreeMap<>();
        progress.phase = RebuildRuns.Phase.RESTORING_BUDGETS;
        for (Template template : catalog.current().templates().values()) {
            List<Long> granted = grantedByTemplate.getOrDefault(template.templateId(), List.of());
            budgets.loadRemaining(template, granted);
            long templateGrantedMinor = granted.stream().mapToLong(Long::longValue).sum();
            grantedMinor += templateGrantedMinor;
            grantedByCurrency.merge(template.currency(), templateGrantedMinor, Long::sum);
            templates++;
        }
        int pending = restoreAnswers(events.values());
        raises.markAllApplied(); // budget_minor already includes every recorded raise
        guard.allRestored();
        guard.epochRebuilt();
        guard.check();
        long readMs = (read - started) / 1_000_000;
        long restoreMs = (System.nanoTime() - read) / 1_000_000;
        LOG.warn("Redis rebuilt from {} events: {} templates, granted {}, {} tokens"
                + " pending; read in {} ms, restored in {} ms; {} records without a valid grant"
                + " proof skipped", events.size(), templates, grantedByCurrency.entrySet()
                        .stream().map(sum -> Money.of(sum.getValue(), sum.getKey()).display())
                        .toList(), pending, readMs, restoreMs, unproven);
        return new Result(events.size(), templates, grantedMinor, pending, readMs, restoreMs,
                unproven);
    }

    /**
     * Gives every recorded grab its answer back (and its token, and its pending entry when
     * the ledger has not booked it), where Redis lacks them, and the users' cap counters.
     * Returns how many tokens are pending.
     */
    private int restoreAnswers(Collection<TokenIssued> events) {
        Set<String> outTradeNos = new HashSet<>();
        for (TokenIssued event : events) {
            if (event.hasToken()) {
                outTradeNos.add(event.outTradeNo());
            }
        }
        Set<String> credited = credited(outTradeNos);
        progress.phase = RebuildRuns.Phase.RESTORING_ANSWERS;
        progress.answersTotal = events.size();
        int pending = 0;
        List<CompletableFuture<Long>> window = new ArrayList<>();
        for (TokenIssued event : events) {
            window.add(restore(event, credited.contains(event.outTradeNo())));
            if (window.size() == RESTORE_WINDOW) {
                awaitAll(window);
                progress.answersRestored.addAndGet(RESTORE_WINDOW);
            }
            if (event.hasToken() && !credited.contains(event.outTradeNo())) {
                pending++;
            }
        }
        progress.answersRestored.addAndGet(window.size());
        awaitAll(window);
        int cappedUsers = restoreCaps(events);
        LOG.info("answers of {} grabs restored where missing; cap counters of {} users",
                events.size(), cappedUsers);
        return pending;
    }

    /**
     * Recounts every user's grants of capped templates from the proven record and raises their
     * cap counters to it, so a rebuild never gives a user a second allowance. Returns how many
     * users were restored.
     */
    private int restoreCaps(Collection<TokenIssued> events) {
        Map<String, Template> templates = catalog.current().templates();
        Map<String, List<GrabRecords.CapCharge>> byUser = new HashMap<>();
        for (TokenIssued event : events) {
            Template template = event.hasToken() ? templates.get(event.templateId()) : null;
            if (template != null && template.userCaps().any()) {
                byUser.computeIfAbsent(event.actId(), actId -> new ArrayList<>()).add(
                        new GrabRecords.CapCharge(template.templateId(), event.businessDate(),
                                template.userCaps(), event.amountMinor()));
            }
        }
        List<CompletableFuture<Long>> window = new ArrayList<>();
        for (Map.Entry<String, List<GrabRecords.CapCharge>> user : byUser.entrySet()) {
            window.add(grabs.restoreCapsAsync(user.getKey(), user.getValue(),
                    properties.grabRecordTtl()));
            if (window.size() == RESTORE_WINDOW) {
                awaitAll(window);
            }
        }
        awaitAll(window);
        return byUser.size();
    }

    /**
     * Waits for a window of restores; the first failure fails the rebuild (it is safe to run
     * again: every restore writes only what is missing), after the others have finished.
     */
    private static void awaitAll(List<CompletableFuture<Long>> window) {
        try {
            CompletableFuture.allOf(window.toArray(
                    CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw cause instanceof RuntimeException runtime ? runtime
                    : new RedisException(cause);
        } finally {
            window.clear();
        }
    }

    private CompletableFuture<Long> restore(TokenIssued event,
            boolean credited) {
        Map<String, String> fields = Map.of();
        String token = null;
        if (event.hasToken()) {
            token = codec.seal(new RedPacketToken(event.appId(), event.actId(),
                    event.activityId(), event.sceneId(), event.rainId(), event.awardType(),
                    event.stage(), event.amount(), event.outTradeNo(), event.issuedAt(),
                    TokenStatus.ISSUED));
            fields = GrabStore.tokenFields(event, credited ? "CREDITED"
                    : TokenStatus.ISSUED.name());
        }
        GrabAnswer answer = new GrabAnswer(event.outcome(), event.templateId(),
                event.awardType(), event.amountMinor(), event.currency(),
                event.outcome() == Outcome.EMPTY ? null : event.outTradeNo(), token,
                event.actId());
        return grabs.restoreAsync(event.actId(), AdmittedGrab.recordId(event.parentActivityId(),
                IdempotencyKey.parse(event.idempotencyKey())), answer, fields, credited,
                properties.grabRecordTtl());
    }

    private void readTopic(Map<String, TokenIssued> events) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafkaBootstrap());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        // The whole topic is read once, as fast as it arrives: big polls, not 500 records each.
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        // Metadata and offset lookups give up with the read, not after the client's 60 s.
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) topicStall.toMillis());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.tokenIssued())
                    .stream().map(info -> new TopicPartition(info.topic(), info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> starts = consumer.beginningOffsets(partitions);
            progress.addTotal(partitions.stream().mapToLong(p -> ends.get(p) - starts.get(p))
                    .sum());
            long lastRecord = System.nanoTime();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                var records = consumer.poll(POLL);
                for (ConsumerRecord<String, byte[]> record : records) {
                    if (record.offset() < ends.get(new TopicPartition(record.topic(),
                            record.partition()))) {
                        add(events, record.value());
                    }
                }
                if (!records.isEmpty()) {
                    lastRecord = System.nanoTime();
                } else if (System.nanoTime() - lastRecord > topicStall.toNanos()) {
                    // A broker that stopped answering would hold the rebuild (and every grab)
                    // forever: it fails instead, and the next call runs it again.
                    throw new IllegalStateException("the token-issued topic gave no record for "
                            + topicStall.toSeconds() + " s with records left to read; is Kafka"
                            + " up?");
                }
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("the token-issued topic did not answer within "
                    + topicStall.toSeconds() + " s; is Kafka up?", e);
        }
    }

    /**
     * Answers Redis still marks as not yet recorded (their first request ran out of time, or
     * their instance died before it answered): grants of this service all the same, once
     * their proof verifies. Found by SCAN, in batches; there are few outside an outage.
     */
    private void readUnrecorded(Map<String, TokenIssued> events) {
        ScanCursor cursor = ScanCursor.INITIAL;
        ScanArgs match = ScanArgs.Builder.matches(
                keys.unrecordedPattern()).limit(1_000);
        do {
            KeyScanCursor<String> page = redis.sync().scan(cursor, match);
            for (String key : page.getKeys()) {
                String payload = redis.sync().get(key);
                if (payload != null) {
                    progress.addTotal(1);
                    add(events, payload.getBytes(StandardCharsets.UTF_8));
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
    }

    private void readOutbox(Map<String, TokenIssued> events) {
        List<OutboxStore.Row> rows = jdbc.execute((ConnectionCallback<List<OutboxStore.Row>>)
                connection -> outbox.unpublished(connection, topics.tokenIssued()));
        for (OutboxStore.Row row : rows == null ? List.<OutboxStore.Row>of() : rows) {
            progress.addTotal(1);
            add(events, row.payload());
        }
    }

    private void add(Map<String, TokenIssued> events, byte[] payload) {
        progress.recordsRead.incrementAndGet();
        try {
            TokenIssued event = serde.deserialize(payload, TokenIssued.class);
            if (event.hasToken()) {
                // A record on the topic or in the outbox is not proof of a grant: only its
                // proof is. Restoring a forged one would spend budget and seal a real token.
                grantProof.verify(event.grant(), event.grantProof());
            }
            events.putIfAbsent(event.eventId(), event);
        } catch (EventDecodingException e) {
            LOG.warn("rebuild skips an undecodable token-issued record: {}", e.getMessage());
        } catch (GrantRejectedException e) {
            unproven++;
            LOG.warn("rebuild skips a token-issued record without a valid grant proof ({}): {}",
                    e.reason(), e.getMessage());
        }
    }

    private Set<String> credited(Set<String> outTradeNos) {
        Set<String> credited = jdbc.execute((ConnectionCallback<Set<String>>)
                connection -> ledger.journaled(connection, outTradeNos));
        return credited == null ? Set.of() : credited;
    }
}
