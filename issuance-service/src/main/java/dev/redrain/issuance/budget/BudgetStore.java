package dev.redrain.issuance.budget;

import dev.redrain.core.money.Money;
import dev.redrain.core.catalog.AmountRule;
import dev.redrain.core.catalog.Template;
import dev.redrain.core.keys.RedisKeys;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Exact budgets in Redis. A template's budget is spread over {@code budgetShards} keys, each in
 * its own cluster slot, so a hot template is not one hot key. A grab reserves from the shard
 * its actId routes to and, when that shard cannot pay, borrows from the siblings in order
 * before declaring the template empty: every fen in any shard stays grantable. Each
 * reservation is one atomic Lua script on one shard, so across any number of instances the
 * shards never grant more than their shares, and the shares add up to the budget.
 *
 * <p>An instance remembers shards that can no longer pay (for a FIXED template a shard with
 * less than one award left, otherwise an empty one) until the template's version changes, so
 * an exhausted template costs one script call per shard per instance, not per grab.
 */
@Component
public class BudgetStore {
    private static final Logger LOG = LoggerFactory.getLogger(BudgetStore.class);
    /** A give-back is retried for about a minute; its marker outlives that by far. */
    static final long RELEASED_MARK_TTL_SECONDS = 24 * 3600;

    /**
     * Reserves one award from one shard ({@code reserve.lua}: its KEYS, ARGV and answers are
     * documented there).
     */
    static final LuaScript RESERVE = LuaScript.fromResource(BudgetStore.class, "reserve.lua",
            ScriptOutputType.MULTI);

    /**
     * Gives back a reservation whose award was never issued, at most once. KEYS as above, then
     * the reservation's released marker; ARGV: mode, amount, the reservation's epoch, the
     * marker's time to live in seconds. Returns 1 when given back, 0 when the shard is gone
     * (Redis lost it: a rebuild counts the reservation as never taken), -1 when the shard was
     * loaded again since (same reason), -2 when this reservation was given back before. Every
     * answer is final: a give-back whose answer was lost can always be sent again.
     */
    static final LuaScript RELEASE = new LuaScript("""
            if not redis.call('GET', KEYS[1]) then return 0 end
            if (redis.call('HGET', KEYS[2], 'epoch') or '') ~= ARGV[3] then return -1 end
            if not redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[4]) then return -2 end
            redis.call('INCRBY', KEYS[1], ARGV[2])
            redis.call('HINCRBY', KEYS[2], 'amountMinor', -tonumber(ARGV[2]))
            redis.call('HINCRBY', KEYS[2], 'count', -1)
            if ARGV[1] == 'POOL' then redis.call('RPUSH', KEYS[3], ARGV[2]) end
            return 1
            """, ScriptOutputType.INTEGER);

    /**
     * Loads a shard once: does nothing if it exists (a restart or a second instance never
     * resets a budget). KEYS as above. ARGV: remaining, amount and count already granted
     * (non-zero only in a rebuild), the load's epoch (a fresh random id), then the pool's
     * packets if any.
     */
    static final LuaScript LOAD = new LuaScript("""
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            redis.call('SET', KEYS[1], ARGV[1])
            redis.call('HSET', KEYS[2], 'amountMinor', ARGV[2], 'count', ARGV[3],
                       'share', ARGV[1], 'epoch', ARGV[4])
            redis.call('DEL', KEYS[3])
            for i = 5, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
            return 1
            """, ScriptOutputType.INTEGER);

    /** The KEYS the reservation script takes for one shard. */
    String[] shardKeysOf(Template template, int shard) {
        return shardKeys(template, shard);
    }

    private final RedisCommands<String, String> redis;
    private final RedisAsyncCommands<String, String> async;
    private final RedisKeys keys;
    private final Map<String, Long> exhaustedShards = new ConcurrentHashMap<>();

    public BudgetStore(StatefulRedisConnection<String, String> connection, RedisKeys keys) {
        this.redis = connection.sync();
        this.async = connection.async();
        this.keys = keys;
    }

    /**
     * Reserves one award of {@code drawnAmountMinor} (ignored for POOL) from the template,
     * starting at the actId's home shard.
     *
     * @return empty when no shard can pay
     * @throws BudgetNotLoadedException when a shard is missing from Redis
     */
    public Optional<Reservation> reserve(Template template, String actId, long drawnAmountMinor) {
        int shards = template.budgetShards();
        int home = Math.floorMod(actId.hashCode(), shards);
        for (int step = 0; step < shards; step++) {
            int shard = (home + step) % shards;
            String exhaustedKey = template.templateId() + "#" + shard;
            Long exhaustedAtVersion = exhaustedShards.get(exhaustedKey);
            if (exhaustedAtVersion != null && exhaustedAtVersion == template.version()) {
                continue;
            }
            List<Object> result = RESERVE.run(redis, shardKeys(template, shard),
                    mode(template), Long.toString(drawnAmountMinor));
            long code = (Long) result.get(0);
            if (code == 1) {
                return Optional.of(reservation(template, shard, result));
            }
            if (code < 0) {
                throw new BudgetNotLoadedException(template.templateId(), shard);
            }
            exhaustedShards.put(exhaustedKey, template.version());
        }
        return Optional.empty();
    }

    /**
     * Tries the actId's home shard only, without waiting, so the grab can wait for it together
     * with its claim. Completes with the reservation, or empty when the home shard cannot pay
     * (then {@link #reserve} borrows from the siblings; the exhausted home shard is remembered
     * and skipped there). Null when the home shard is already known to be exhausted. Fails with
     * {@link BudgetNotLoadedException} when the shard is not in Redis.
     */
    public CompletableFuture<Optional<Reservation>> reserveHomeAsync(
            Template template, String actId, long drawnAmountMinor) {
        int shard = Math.floorMod(actId.hashCode(), template.budgetShards());
        String exhaustedKey = template.templateId() + "#" + shard;
        Long exhaustedAtVersion = exhaustedShards.get(exhaustedKey);
        if (exhaustedAtVersion != null && exhaustedAtVersion == template.version()) {
            return null;
        }
        return RESERVE.<List<Object>>runAsync(async, shardKeys(template, shard), mode(template),
                Long.toString(drawnAmountMinor)).thenApply(result -> {
                    long code = (Long) result.get(0);
                    if (code == 1) {
                        return Optional.of(reservation(template, shard, result));
                    }
                    if (code < 0) {
                        throw new BudgetNotLoadedException(template.templateId(), shard);
                    }
                    exhaustedShards.put(exhaustedKey, template.version());
                    return Optional.empty();
                });
    }

    private static Reservation reservation(Template template, int shard, List<Object> result) {
        Object epoch = result.size() > 3 ? result.get(3) : null;
        return new Reservation(template.templateId(), shard, (Long) result.get(1),
                epoch == null ? "" : epoch.toString(), UUID.randomUUID().toString());
    }

    /**
     * Returns a reservation whose award was not issued to the shard it came from, at most once
     * however often it is called; safe to call again after any failure or timeout.
     *
     * @return true when this call gave it back; false when it was given back before or the
     *     shard was lost or loaded again since (its rebuild counted the reservation as free)
     */
    public boolean release(Template template, Reservation reservation) {
        Long done = RELEASE.run(redis, releaseKeys(template, reservation),
                releaseArgs(template, reservation));
        exhaustedShards.remove(template.templateId() + "#" + reservation.shard());
        return done == 1;
    }

    /** {@link #release} without waiting; the future fails with the command's exception. */
    public CompletableFuture<Boolean> releaseAsync(Template template,
            Reservation reservation) {
        return RELEASE.<Long>runAsync(async, releaseKeys(template, reservation),
                releaseArgs(template, reservation)).thenApply(done -> {
                    exhaustedShards.remove(template.templateId() + "#" + reservation.shard());
                    return done == 1;
                });
    }

    private String[] releaseKeys(Template template, Reservation reservation) {
        String[] shardKeys = shardKeys(template, reservation.shard());
        String[] releaseKeys = Arrays.copyOf(shardKeys, shardKeys.length + 1);
        releaseKeys[shardKeys.length] = keys.budgetReleased(template.templateId(),
                reservation.shard(), reservation.id());
        return releaseKeys;
    }

    private static String[] releaseArgs(Template template, Reservation reservation) {
        return new String[] {mode(template), Long.toString(reservation.amountMinor()),
            reservation.epoch(), Long.toString(RELEASED_MARK_TTL_SECONDS)};
    }

    /** Loads every shard of the template that is not in Redis yet; returns how many. */
    public int load(Template template) {
        return loadFirst(template, null);
    }

    /**
     * Loads {@code shards} (null: all) at their full shares, each only if it is not in Redis.
     * Only for a shard's first load: the guard decides that from the durable record.
     */
    int loadFirst(Template template, Collection<Integer> shards) {
        long[] shares = BudgetShares.shares(template);
        List<List<Long>> pools = template.rule() == AmountRule.POOL
                ? BudgetShares.pools(template) : null;
        return loadShards(template, shares, pools, 0, 0, shards);
    }

    /**
     * Forgets which shards of the template ({@code null}: of every template) could not pay.
     * A shard that was exhausted can hold budget again after a rebuild deals what is left over
     * the shards anew, without the template's version changing.
     */
    public void forgetExhausted(String templateId) {
        if (templateId == null) {
            exhaustedShards.clear();
        } else {
            exhaustedShards.keySet().removeIf(key -> key.startsWith(templateId + "#"));
        }
    }

    /** The template's shards that Redis does not have, asked in one round trip. */
    public List<Integer> missingShards(Template template) {
        List<CompletableFuture<Long>> exists = new ArrayList<>();
        for (int shard = 0; shard < template.budgetShards(); shard++) {
            exists.add(async.exists(keys.budgetRemaining(template.templateId(), shard))
                    .toCompletableFuture());
        }
        List<Integer> missing = new ArrayList<>();
        for (int shard = 0; shard < exists.size(); shard++) {
            if (exists.get(shard).join() == 0) {
                missing.add(shard);
            }
        }
        return missing;
    }

    /**
     * KEYS: remaining, granted, pool. ARGV: a new epoch. Re-epochs a surviving shard, so a
     * give-back of a reservation made before no longer counts on it, and returns {remaining,
     * amount granted, count granted}, or {-1} when the shard is missing.
     */
    static final LuaScript SEAL = new LuaScript("""
            local remaining = redis.call('GET', KEYS[1])
            if not remaining then return {-1} end
            redis.call('HSET', KEYS[2], 'epoch', ARGV[1])
            local granted = redis.call('HMGET', KEYS[2], 'amountMinor', 'count')
            return {tonumber(remaining), tonumber(granted[1] or '0'), tonumber(granted[2] or '0')}
            """, ScriptOutputType.MULTI);

    /**
     * A template's shards as a partial rebuild finds them: which are missing, and what the
     * surviving ones hold and have granted (their pool packets, for a pool).
     */
    public record Surviving(List<Integer> missing, long remainingMinor, long grantedMinor,
            long grantedCount, List<Long> packets) {
    }

    /**
     * Seals the template's surviving shards (see SEAL) and reads them. After this, what they
     * hold can only shrink, so the rebuild reads the durable record of grants next.
     */
    public Surviving seal(Template template) {
        List<Integer> missing = new ArrayList<>();
        long remaining = 0;
        long grantedAmount = 0;
        long grantedCount = 0;
        List<Long> packets = new ArrayList<>();
        for (int shard = 0; shard < template.budgetShards(); shard++) {
            String[] shardKeys = shardKeys(template, shard);
            List<Object> state = SEAL.run(redis, shardKeys, UUID.randomUUID().toString());
            if ((Long) state.get(0) < 0) {
                missing.add(shard);
                continue;
            }
            remaining += (Long) state.get(0);
            grantedAmount += (Long) state.get(1);
            grantedCount += (Long) state.get(2);
            if (template.rule() == AmountRule.POOL) {
                redis.lrange(shardKeys[2], 0, -1).forEach(packet -> packets.add(Long.valueOf(
                        packet)));
            }
        }
        return new Surviving(missing, remaining, grantedAmount, grantedCount, packets);
    }

    /**
     * Restores the shards of a template that Redis lost while its other shards survived,
     * from the amounts the durable record shows granted: the missing shards get what is left of
     * the budget after those grants and after what the surviving shards hold (for a pool,
     * exactly the packets neither granted nor held by a surviving shard). Never more: a lost
     * shard is never reloaded at its full share.
     *
     * @param surviving the template's shards as {@link #seal} found them, before the record
     *     was read
     * @param grantedAmounts the amount of every award of the template on the durable record
     */
    public void restoreMissing(Template template, Surviving surviving,
            List<Long> grantedAmounts) {
        List<Integer> missing = surviving.missing();
        if (missing.isEmpty()) {
            return;
        }
        long granted = grantedAmounts.stream().mapToLong(Long::longValue).sum();
        long[] shares = new long[template.budgetShards()];
        List<List<Long>> pools = null;
        if (template.rule() == AmountRule.POOL) {
            List<Long> taken = new ArrayList<>(grantedAmounts);
            taken.addAll(surviving.packets());
            pools = BudgetShares.dealOver(BudgetShares.remainingPools(template, taken).stream()
                    .flatMap(List::stream).toList(), template.budgetShards(), missing);
            for (int shard : missing) {
                shares[shard] = pools.get(shard).stream().mapToLong(Long::longValue).sum();
            }
        } else {
            long left = Math.max(0, template.budgetMinor() - granted - surviving.remainingMinor());
            long[] spread = BudgetShares.spreadOver(template, left, missing.size());
            for (int i = 0; i < missing.size(); i++) {
                shares[missing.get(i)] = spread[i];
            }
        }
        loadShards(template, shares, pools, Math.max(0, granted - surviving.grantedMinor()),
                Math.max(0, grantedAmounts.size() - surviving.grantedCount()), missing);
    }

    /**
     * Loads a template whose grants so far are known (a rebuild after Redis lost its data):
     * what is left of the budget is spread over the shards again, and for a pool exactly the
     * packets not yet granted remain.
     *
     * @param grantedAmounts the amount of every award granted so far, in any order
     */
    public int loadRemaining(Template template, List<Long> grantedAmounts) {
        long granted = grantedAmounts.stream().mapToLong(Long::longValue).sum();
        List<List<Long>> pools = null;
        long[] shares;
        if (template.rule() == AmountRule.POOL) {
            pools = BudgetShares.remainingPools(template, grantedAmounts);
            shares = new long[template.budgetShards()];
            for (int shard = 0; shard < shares.length; shard++) {
                shares[shard] = pools.get(shard).stream().mapToLong(Long::longValue).sum();
            }
        } else {
            shares = BudgetShares.spread(template, Math.max(0, template.budgetMinor() - granted));
        }
        return loadShards(template, shares, pools, granted, grantedAmounts.size(), null);
    }

    /**
     * Loads {@code only} (null: every shard), each only if absent; what was granted is counted
     * on the first shard loaded.
     */
    private int loadShards(Template template, long[] shares, List<List<Long>> pools,
            long grantedAmount, long grantedCount, Collection<Integer> only) {
        int loaded = 0;
        boolean grantedCounted = false;
        for (int shard = 0; shard < shares.length; shard++) {
            if (only != null && !only.contains(shard)) {
                continue;
            }
            List<String> args = new ArrayList<>();
            args.add(Long.toString(shares[shard]));
            args.add(Long.toString(grantedCounted ? 0 : grantedAmount));
            args.add(Long.toString(grantedCounted ? 0 : grantedCount));
            grantedCounted = true;
            args.add(UUID.randomUUID().toString());
            if (pools != null) {
                pools.get(shard).forEach(packet -> args.add(Long.toString(packet)));
            }
            Long done = LOAD.run(redis, shardKeys(template, shard), args.toArray(String[]::new));
            loaded += done.intValue();
            exhaustedShards.remove(template.templateId() + "#" + shard);
        }
        if (loaded > 0) {
            LOG.info("loaded {} budget shards of template {} ({} of {} left)",
                    loaded, template.templateId(), Money.of(Arrays.stream(shares).sum(),
                            template.currency()).display(), Money.of(template.budgetMinor(),
                                    template.currency()).display());
        }
        return loaded;
    }

    /** What the template's shards can still grant, summed; -1 if a shard is missing. */
    public long remaining(Template template) {
        long total = 0;
        for (int shard = 0; shard < template.budgetShards(); shard++) {
            String value = redis.get(keys.budgetRemaining(template.templateId(), shard));
            if (value == null) {
                return -1;
            }
            total += Long.parseLong(value);
        }
        return total;
    }

    /** Count and amount granted, summed over the template's shards. */
    public Granted granted(Template template) {
        long count = 0;
        long amount = 0;
        for (int shard = 0; shard < template.budgetShards(); shard++) {
            Map<String, String> hash = redis.hgetall(keys.budgetGranted(template.templateId(),
                    shard));
            count += Long.parseLong(hash.getOrDefault("count", "0"));
            amount += Long.parseLong(hash.getOrDefault("amountMinor", "0"));
        }
        return new Granted(count, amount);
    }

    public record Granted(long count, long amountMinor) {
    }

    private String[] shardKeys(Template template, int shard) {
        return new String[] {keys.budgetRemaining(template.templateId(), shard),
            keys.budgetGranted(template.templateId(), shard),
            keys.packetPool(template.templateId(), shard, "all")};
    }

    private static String mode(Template template) {
        return switch (template.rule()) {
            case FIXED -> "EXACT";
            case UNIFORM -> "CAPPED";
            case POOL -> "POOL";
        };
    }
}
