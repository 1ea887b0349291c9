package dev.redrain.settlement;

import java.util.List;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.ItemStream;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Classifies a partition's tokens and counts those whose legs agree. The count is saved with
 * the partition's restart state at every chunk (so a resumed partition goes on from the count
 * of its last committed chunk) and written to recon_match_tally at the end of each chunk, so
 * the report needs no second pass over a million keys.
 */
class MatchTally implements ItemProcessor<Legs, List<Break>>, ItemStream {
    static final String MATCHED = "matchedTokens";

    private final BreakClassifier classifier;
    private final JdbcTemplate jdbc;
    private final java.time.LocalDate date;
    private final String partition;
    private long matched;

    MatchTally(BreakClassifier classifier, JdbcTemplate jdbc, java.time.LocalDate date,
            String partition) {
        this.classifier = classifier;
        this.jdbc = jdbc;
        this.date = date;
        this.partition = partition;
    }

    @Override
    public List<Break> process(Legs legs) {
        List<Break> found = classifier.classify(legs);
        if (found.isEmpty()) {
            matched++;
            return null;
        }
        return found;
    }

    @Override
    public void open(ExecutionContext context) {
        matched = context.containsKey(MATCHED) ? context.getLong(MATCHED) : 0;
    }

    /** Called before each chunk's commit, inside its transaction. */
    @Override
    public void update(ExecutionContext context) {
        context.putLong(MATCHED, matched);
        jdbc.update("INSERT INTO recon_match_tally (business_date, partition_name,"
                + " matched_tokens) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE matched_tokens ="
                + " VALUES(matched_tokens)", date, partition, matched);
    }
}
