package dev.redrain.settlement;

import java.util.HashMap;
import java.util.Map;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** Splits the hash buckets into {@code partitions} contiguous ranges, one per match partition. */
final class BucketRanges implements Partitioner {
    private final int buckets;
    private final int partitions;

    BucketRanges(int buckets, int partitions) {
        this.buckets = buckets;
        this.partitions = partitions;
    }

    @Override
    public Map<String, ExecutionContext> partition(int gridSize) {
        Map<String, ExecutionContext> ranges = new HashMap<>();
        for (int i = 0; i < partitions; i++) {
            ExecutionContext context = new ExecutionContext();
            context.putInt("low", i * buckets / partitions);
            context.putInt("high", (i + 1) * buckets / partitions - 1);
            context.putString("name", "buckets-" + i);
            ranges.put("buckets-" + i, context);
        }
        return ranges;
    }
}
