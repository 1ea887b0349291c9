package dev.redrain.monitor;

/** One open 1-minute window of one key. A Flink POJO. */
public class WindowAgg {
    public long spendMinor;
    public long paidCount;
    public long askedAwarded;
    public long askedFallback;
    public long askedEmpty;

    public WindowAgg() {
    }

    void add(Observation observation) {
        spendMinor += observation.spendMinor;
        paidCount += observation.paidCount;
        if ("AWARDED".equals(observation.askedOutcome)) {
            askedAwarded++;
        } else if ("FALLBACK".equals(observation.askedOutcome)) {
            askedFallback++;
        } else if ("EMPTY".equals(observation.askedOutcome)) {
            askedEmpty++;
        }
    }

    long asks() {
        return askedAwarded + askedFallback + askedEmpty;
    }
}
