package dev.redrain.settlement.statement;

import dev.redrain.settlement.statement.StatementLine.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.batch.infrastructure.item.file.FlatFileParseException;
import org.springframework.batch.infrastructure.item.file.LineMapper;

/**
 * A bill's own arithmetic, gathered in one pass: the detail per currency against the summary
 * rows, and each payout batch against its items. Pure; {@link #problems()} names every
 * disagreement.
 */
final class BillTotals {
    /** What a summary row states for one currency. */
    record Stated(String currency, long count, long amountMinor, long feeMinor) {
    }

    private final Map<String, long[]> detail = new TreeMap<>();
    private final Map<String, Stated> stated = new TreeMap<>();
    private final Map<String, Batch> batches = new TreeMap<>();
    private final List<String> problems = new ArrayList<>();
    private final List<Integer> unparsed = new ArrayList<>();
    private int detailRows;

    private static final class Batch {
        StatementLine line;
        int duplicates;
        long succeededMinor;
        int succeeded;
        int failed;
        final List<String> currencies = new ArrayList<>();
    }

    void detail(String text, int lineNumber, LineMapper<StatementLine> mapper) {
        detailRows++;
        StatementLine line;
        try {
            line = mapper.mapLine(text, lineNumber);
        } catch (FlatFileParseException e) {
            unparsed.add(lineNumber);
            return;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        long[] sums = detail.computeIfAbsent(line.currency(), c -> new long[3]);
        sums[0]++;
        sums[1] = Math.addExact(sums[1], line.amountMinor());
        sums[2] = Math.addExact(sums[2], line.feeMinor());
        if (line.kind() == Kind.PAYOUT_BATCH) {
            Batch batch = batches.computeIfAbsent(line.reference(), b -> new Batch());
            if (batch.line != null) {
                batch.duplicates++;
            }
            batch.line = line;
        } else if (line.kind() == Kind.PAYOUT && line.batchRef() != null) {
            Batch batch = batches.computeIfAbsent(line.batchRef(), b -> new Batch());
            batch.currencies.add(line.currency());
            if (StatementLine.SUCCESS.equals(line.status())) {
                batch.succeeded++;
                batch.succeededMinor = Math.addExact(batch.succeededMinor, line.amountMinor());
            } else {
                batch.failed++;
            }
        }
    }

    void stated(Stated row) {
        if (stated.putIfAbsent(row.currency(), row) != null) {
            problems.add("two summary rows for " + row.currency());
        }
    }

    List<String> problems() {
        List<String> found = new ArrayList<>(problems);
        if (!unparsed.isEmpty()) {
            found.add("detail lines " + unparsed + " do not parse");
        }
        long statedRows = stated.values().stream().mapToLong(Stated::count).sum();
        if (statedRows != detailRows) {
            found.add("the summary counts " + statedRows + " detail rows, the file has "
                    + detailRows);
        }
        detail.forEach((currency, sums) -> {
            Stated row = stated.get(currency);
            if (row == null) {
                found.add("no summary row for " + currency);
            } else if (row.amountMinor() != sums[1] || row.feeMinor() != sums[2]) {
                found.add(currency + " detail sums to amount " + sums[1] + " and fee " + sums[2]
                        + " (minor units), the summary states " + row.amountMinor() + " and "
                        + row.feeMinor());
            }
        });
        stated.keySet().stream().filter(currency -> !detail.containsKey(currency))
                .forEach(currency -> found.add("a summary row for " + currency
                        + " but no detail in it"));
        batches.forEach((ref, batch) -> batchProblem(ref, batch, found));
        return found;
    }

    private static void batchProblem(String ref, Batch batch, List<String> found) {
        if (batch.line == null) {
            found.add("payout items name batch " + ref + ", which has no PAYOUT_BATCH line");
            return;
        }
        String expectedStatus = batch.failed == 0 ? StatementLine.SUCCESS
                : batch.succeeded == 0 ? StatementLine.FAILED : StatementLine.PARTIAL;
        if (batch.duplicates > 0) {
            found.add("batch " + ref + " has more than one PAYOUT_BATCH line");
        } else if (batch.succeeded + batch.failed == 0) {
            found.add("batch " + ref + " has no items");
        } else if (batch.line.amountMinor() != batch.succeededMinor
                || !batch.line.status().equals(expectedStatus)
                || batch.currencies.stream().anyMatch(c -> !c.equals(batch.line.currency()))) {
            found.add("batch " + ref + " states " + batch.line.amountMinor() + " "
                    + batch.line.currency() + " " + batch.line.status() + ", its items: "
                    + batch.succeeded + " paid for " + batch.succeededMinor + " and "
                    + batch.failed + " failed (" + expectedStatus + ")");
        }
    }
}
