package dev.redrain.monitor;

import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.core.keys.RedisKeys;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every template's rule from MySQL and what its budget shards have granted from Redis.
 * Driven by a rate-limited generator source, so the monitor's rules change without resubmitting
 * the job: change a template through the admin API (or its row) and the next refresh carries it.
 * A failed MySQL read repeats the last good rules; a failed Redis read sends no Redis figures
 * (the drift rule then waits), so neither stops the job.
 */
public class RuleSnapshotLoader implements GeneratorFunction<Long, RuleSnapshot> {
    private static final Logger LOG = LoggerFactory.getLogger(RuleSnapshotLoader.class);
    private static final CatalogStore CATALOG = new CatalogStore();
    private final String jdbcUrl;
    private final String jdbcUser;
    private final String jdbcPassword;
    private final String redisUri;
    private final String redisNamespace;
    private transient Connection connection;
    private transient RedisClient redisClient;
    private transient StatefulRedisConnection<String, String> redis;
    private transient List<TemplateRule> lastRules;

    public RuleSnapshotLoader(String jdbcUrl, String jdbcUser, String jdbcPassword,
            String redisUri, String redisNamespace) {
        this.jdbcUrl = jdbcUrl;
        this.jdbcUser = jdbcUser;
        this.jdbcPassword = jdbcPassword;
        this.redisUri = redisUri;
        this.redisNamespace = redisNamespace;
    }

    @Override
    public void open(SourceReaderContext readerContext) {
        redisClient = RedisClient.create(redisUri);
        redisClient.setOptions(ClientOptions.builder().timeoutOptions(
                TimeoutOptions.enabled(Duration.ofSeconds(2))).build());
        lastRules = List.of();
    }

    @Override
    public RuleSnapshot map(Long tick) {
        long now = System.currentTimeMillis();
        List<TemplateRule> rules;
        try {
            rules = readRules();
            lastRules = rules;
        } catch (SQLException | RuntimeException e) {
            LOG.warn("could not read template rules from MySQL; keeping the last ones", e);
            closeQuietly();
            rules = lastRules;
        }
        return new RuleSnapshot(now, rules, readGranted(rules));
    }

    private List<TemplateRule> readRules() throws SQLException {
        if (connection == null || !connection.isValid(2)) {
            closeQuietly();
            connection = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
        }
        List<TemplateRule> rules = new ArrayList<>();
        for (CatalogStore.MonitoredTemplate row : CATALOG.monitored(connection)) {
            if (row.stage() != null) {
                rules.add(rule(row));
            }
        }
        return rules;
    }

    private static TemplateRule rule(CatalogStore.MonitoredTemplate row) {
        TemplateRule rule = new TemplateRule();
        rule.templateId = row.templateId();
        rule.activityId = row.activityId();
        rule.parentActivityId = row.parentActivityId();
        rule.stage = row.stage();
        rule.currency = row.currency();
        rule.minorPerMajor = row.minorPerMajor();
        rule.budgetMinor = row.budgetMinor();
        rule.budgetShards = row.budgetShards();
        rule.thresholdsPct = TemplateRule.parseThresholds(row.alertThresholdsPct());
        rule.burnMarginMinutes = row.burnMarginMinutes();
        rule.unusedPctMax = row.unusedPctMax();
        rule.spikeFactorPct = row.spikeFactorPct();
        rule.outcomeShareMaxPct = row.outcomeShareMaxPct();
        rule.driftToleranceMinor = row.driftToleranceMinor();
        rule.driftGraceSeconds = row.driftGraceSeconds();
        rule.endsAtMs = (row.endedAt() != null ? row.endedAt() : row.endsAt()).toEpochMilli();
        return rule;
    }

    /** Granted minor units per template, summed over its shards; null if Redis failed. */
    private Map<String, Long> readGranted(List<TemplateRule> rules) {
        try {
            if (redis == null || !redis.isOpen()) {
                redis = redisClient.connect();
            }
            RedisKeys keys = new RedisKeys(redisNamespace);
            Map<String, List<RedisFuture<String>>> pending = new HashMap<>();
            for (TemplateRule rule : rules) {
                List<RedisFuture<String>> shards = new ArrayList<>();
                for (int shard = 0; shard < rule.budgetShards; shard++) {
                    shards.add(redis.async().hget(keys.budgetGranted(rule.templateId, shard),
                            "amountMinor"));
                }
                pending.put(rule.templateId, shards);
            }
            Map<String, Long> granted = new HashMap<>();
            for (var entry : pending.entrySet()) {
                long sum = 0;
                boolean loaded = false;
                for (RedisFuture<String> shard : entry.getValue()) {
                    String value = shard.get(2, TimeUnit.SECONDS);
                    if (value != null) {
                        loaded = true;
                        sum += Long.parseLong(value);
                    }
                }
                // A template whose shards were never loaded has granted nothing yet.
                granted.put(entry.getKey(), loaded ? sum : 0L);
            }
            return granted;
        } catch (Exception e) {
            LOG.warn("could not read budget shards from Redis; drift is not judged this time", e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // Reconnected on the next refresh.
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeQuietly();
        if (redis != null) {
            redis.close();
        }
        if (redisClient != null) {
            redisClient.shutdown();
        }
    }
}
