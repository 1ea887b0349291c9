package dev.redrain.settlement;

import dev.redrain.settlement.statement.StatementLine;
import java.time.LocalDate;
import org.springframework.batch.core.listener.SkipListener;
import org.springframework.batch.infrastructure.item.file.FlatFileParseException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Records each statement line the import skipped (it did not parse) in {@code
 * recon_import_error}, with the reason and the raw line, so finance sees every line the night
 * did not take.
 */
final class ImportErrorRecorder implements SkipListener<StatementLine, StatementLine> {
    private static final int RAW_LINE_MAX_CHARS = 1024;

    private final JdbcTemplate jdbc;
    private final SettlementProperties properties;

    ImportErrorRecorder(JdbcTemplate jdbc, SettlementProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    @Override
    public void onSkipInRead(Throwable error) {
        if (!(error instanceof FlatFileParseException bad)) {
            return;
        }
        LocalDate date = StepDates.ofStep();
        String input = bad.getInput();
        jdbc.update("INSERT IGNORE INTO recon_import_error (business_date, source_file,"
                + " line_number, reason, raw_line) VALUES (?, ?, ?, ?, ?)", date,
                properties.statementFile(date).getFileName().toString(), bad.getLineNumber(),
                innermost(bad).getMessage(), input == null ? null
                        : input.substring(0, Math.min(RAW_LINE_MAX_CHARS, input.length())));
    }

    /** The reader wraps the line mapper's exception: the innermost one carries the reason. */
    private static FlatFileParseException innermost(FlatFileParseException bad) {
        FlatFileParseException reason = bad;
        for (Throwable cause = bad.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof FlatFileParseException inner) {
                reason = inner;
            }
        }
        return reason;
    }
}
