package dev.redrain.issuance.budget;

import dev.redrain.core.catalog.AmountRule;
import dev.redrain.core.catalog.Template;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * How a template's budget is spread over its Redis shards. Pure arithmetic: the shares add up
 * to the budget exactly, so the sum of what the shards can grant is the budget, to the fen.
 */
public final class BudgetShares {
    /** Largest pre-split pool, so loading a pool stays bounded. */
    public static final int POOL_PACKETS_MAX = 1_000_000;

    private BudgetShares() {
    }

    /** Minor units per shard. */
    public static long[] shares(Template template) {
        int shards = template.budgetShards();
        long[] shares = new long[shards];
        if (template.rule() == AmountRule.POOL) {
            List<List<Long>> pools = pools(template);
            for (int i = 0; i < shards; i++) {
                shares[i] = pools.get(i).stream().mapToLong(Long::longValue).sum();
            }
            return shares;
        }
        return spread(template, template.budgetMinor());
    }

    /**
     * {@code amountMinor} of a FIXED or UNIFORM template spread over its shards, in whole
     * awards for FIXED (the budget of a FIXED template is a multiple of its amount).
     */
    public static long[] spread(Template template, long amountMinor) {
        return spreadOver(template, amountMinor, template.budgetShards());
    }

    /**
     * {@code amountMinor} of a FIXED or UNIFORM template spread over {@code shardCount} shards
     * (some of its shards), in whole awards for FIXED.
     */
    public static long[] spreadOver(Template template, long amountMinor, int shardCount) {
        long unit = template.rule() == AmountRule.FIXED ? template.fixedAmountMinor() : 1;
        if (amountMinor % unit != 0) {
            throw new IllegalStateException("template " + template.templateId() + ": "
                    + amountMinor + " is not a multiple of its fixed amount " + unit);
        }
        long units = amountMinor / unit;
        long[] shares = new long[shardCount];
        for (int i = 0; i < shardCount; i++) {
            shares[i] = (units / shardCount + (i < units % shardCount ? 1 : 0)) * unit;
        }
        return shares;
    }

    /** {@code packets} dealt round-robin to {@code onto} (shard numbers of {@code shards}). */
    public static List<List<Long>> dealOver(List<Long> packets, int shards,
            List<Integer> onto) {
        List<List<Long>> pools = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            pools.add(new ArrayList<>());
        }
        for (int i = 0; i < packets.size(); i++) {
            pools.get(onto.get(i % onto.size())).add(packets.get(i));
        }
        return pools;
    }

    /** The pool's packets minus those already granted (one packet per granted amount). */
    public static List<List<Long>> remainingPools(Template template, List<Long> grantedAmounts) {
        Map<Long, Integer> granted = new HashMap<>();
        grantedAmounts.forEach(amount -> granted.merge(amount, 1, Integer::sum));
        List<List<Long>> pools = new ArrayList<>();
        for (List<Long> pool : pools(template)) {
            List<Long> left = new ArrayList<>();
            for (Long packet : pool) {
                Integer taken = granted.get(packet);
                if (taken != null && taken > 0) {
                    granted.put(packet, taken - 1);
                } else {
                    left.add(packet);
                }
            }
            pools.add(left);
        }
        return pools;
    }

    /**
     * A POOL template's packets, dealt round-robin to the shards. Every packet is at least one
     * minor unit and they add up to the budget; the split is random but fixed by the template
     * id, so every instance computes the same pool.
     */
    public static List<List<Long>> pools(Template template) {
        int count = template.poolPacketCount();
        long budget = template.budgetMinor();
        if (count <= 0 || count > POOL_PACKETS_MAX || budget < count) {
            throw new IllegalStateException("template " + template.templateId() + ": a pool of "
                    + count + " packets cannot split a budget of " + budget);
        }
        SplittableRandom random = new SplittableRandom(template.templateId().hashCode());
        double[] weights = new double[count];
        double total = 0;
        for (int i = 0; i < count; i++) {
            weights[i] = 0.1 + random.nextDouble();
            total += weights[i];
        }
        long extra = budget - count;
        long[] packets = new long[count];
        long dealt = 0;
        for (int i = 0; i < count; i++) {
            packets[i] = 1 + (long) Math.floor(extra * (weights[i] / total));
            dealt += packets[i];
        }
        for (int i = 0; dealt < budget; i = (i + 1) % count) {
            packets[i]++;
            dealt++;
        }
        if (dealt != budget) {
            throw new IllegalStateException("pool split dealt " + dealt + " of " + budget);
        }
        List<List<Long>> pools = new ArrayList<>();
        for (int i = 0; i < template.budgetShards(); i++) {
            pools.add(new ArrayList<>());
        }
        for (int i = 0; i < count; i++) {
            pools.get(i % template.budgetShards()).add(packets[i]);
        }
        return pools;
    }
}
