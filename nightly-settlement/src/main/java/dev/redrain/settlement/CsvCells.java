package dev.redrain.settlement;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * The settlement's CSV, written and read with Commons CSV (RFC 4180 quoting). A text cell that
 * a spreadsheet would run as a formula (it starts with {@code = + - @}, a tab or a carriage
 * return) is written with a leading apostrophe, as OWASP advises, so a channel reference or a
 * reason copied from a statement cannot run in finance's spreadsheet; numbers stay as they are.
 */
final class CsvCells {
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setRecordSeparator('\n')
            .get();
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

    private CsvCells() {
    }

    /** A header line and the rows; a null cell is empty. */
    static String write(List<String> header, List<List<String>> rows) {
        StringBuilder out = new StringBuilder();
        try (CSVPrinter printer = new CSVPrinter(out, FORMAT)) {
            printer.printRecord(header);
            for (List<String> row : rows) {
                List<String> cells = new ArrayList<>(row.size());
                row.forEach(cell -> cells.add(cell == null ? "" : safe(cell)));
                printer.printRecord(cells);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    static String safe(String cell) {
        if (cell.isEmpty() || NUMBER.matcher(cell).matches()) {
            return cell;
        }
        char first = cell.charAt(0);
        return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t'
                || first == '\r' ? "'" + cell : cell;
    }
}
