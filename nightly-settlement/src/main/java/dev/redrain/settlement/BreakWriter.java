package dev.redrain.settlement;

import java.util.List;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;

/** Writes the breaks a matching step found (none for a clean leg) for the night's date. */
final class BreakWriter implements ItemWriter<List<Break>> {
    private final BreakStore breaks;
    private final MatchFaults faults;

    BreakWriter(BreakStore breaks, MatchFaults faults) {
        this.breaks = breaks;
        this.faults = faults;
    }

    @Override
    public void write(Chunk<? extends List<Break>> chunk) {
        List<Break> all = chunk.getItems().stream().flatMap(List::stream).toList();
        faults.beforeWrite(all);
        breaks.upsert(all, StepDates.ofStep(), StepDates.runOfStep());
    }
}
