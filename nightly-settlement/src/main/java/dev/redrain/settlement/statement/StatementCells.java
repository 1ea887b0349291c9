package dev.redrain.settlement.statement;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.springframework.batch.infrastructure.item.file.FlatFileParseException;

/** A statement line's fields, read with Commons CSV (RFC 4180 quotes undone). */
final class StatementCells {
    private static final CSVFormat FORMAT = CSVFormat.RFC4180;

    private StatementCells() {
    }

    /** One line's fields; an unterminated quote is a parse error. */
    static List<String> fields(String line) {
        try (var parser = FORMAT.parse(new StringReader(line))) {
            List<CSVRecord> records = parser.getRecords();
            return records.isEmpty() ? List.of("") : records.get(0).toList();
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException("not a CSV line: " + e.getMessage(), e);
        }
    }

    static FlatFileParseException bad(String reason, String line, int lineNumber) {
        return new FlatFileParseException(reason, line, lineNumber);
    }
}
