package dev.redrain.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvCellsTest {
    @Test
    void aCellASpreadsheetWouldRunIsWrittenAsText() {
        String csv = CsvCells.write(List.of("reason", "amount_minor"), List.of(
                List.of("=HYPERLINK(\"http://x\")", "-5"), List.of("@SUM(A1)", "12"),
                Arrays.asList("+1 line", null)));
        assertThat(csv).isEqualTo("reason,amount_minor\n"
                + "\"'=HYPERLINK(\"\"http://x\"\")\",-5\n'@SUM(A1),12\n'+1 line,\n");
    }
}
