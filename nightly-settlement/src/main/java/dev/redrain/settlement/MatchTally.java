package dev.redrain.settlement;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.ItemStream;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Classifies a partition's tokens and counts those whose legs agree, with their amount per
 * asset. The tally is saved with the partition's restart state at every chunk (a resumed
 * partition goes on from the tally of its last committed chunk) and written to
 * recon_match_tally, so the report needs no second pass over a million keys.
 */
class MatchTally implements ItemProcessor<Legs, List<Break>>, ItemStream {
    static final String STATE = "matchTally";

    private final BreakClassifier classifier;
    private final JdbcTemplate jdbc;
    private final LocalDate date;
    private final String partition;
    /** Asset code to {tokens, minor units}. */
    private final Map<String, long[]> tally = new TreeMap<>();

    MatchTally(BreakClassifier classifier, JdbcTemplate jdbc, LocalDate date, String partition) {
        this.classifier = classifier;
        this.jdbc = jdbc;
        this.date = date;
        this.partition = partition;
    }

    @Override
    public List<Break> process(Legs legs) {
        List<Break> found = classifier.classify(legs);
        if (!found.isEmpty()) {
            return found;
        }
        long[] sums = tally.computeIfAbsent(legs.currency(), currency -> new long[2]);
        sums[0]++;
        sums[1] = Math.addExact(sums[1], legs.ledger().amountMinor());
        return null;
    }

    @Override
    public void open(ExecutionContext context) {
        tally.clear();
        if (context.containsKey(STATE)) {
            for (String entry : context.getString(STATE).split(";")) {
                if (!entry.isEmpty()) {
                    String[] parts = entry.split(":");
                    tally.put(parts[0], new long[] {Long.parseLong(parts[1]),
                        Long.parseLong(parts[2])});
                }
            }
        }
    }

    /** Called at each chunk boundary, before the chunk's commit. */
    @Override
    public void update(ExecutionContext context) {
        StringBuilder state = new StringBuilder();
        tally.forEach((currency, sums) -> state.append(currency).append(':').append(sums[0])
                .append(':').append(sums[1]).append(';'));
        context.putString(STATE, state.toString());
        tally.forEach((currency, sums) -> jdbc.update("INSERT INTO recon_match_tally"
                + " (business_date, partition_name, currency, matched_tokens, matched_minor)"
                + " VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE matched_tokens ="
                + " VALUES(matched_tokens), matched_minor = VALUES(matched_minor)", date,
                partition, currency, sums[0], sums[1]));
    }
}
