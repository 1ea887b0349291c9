package dev.redrain.settlement.statement;

import static dev.redrain.settlement.statement.StatementCells.bad;

import dev.redrain.core.ids.Identifiers;
import dev.redrain.core.money.Money;
import dev.redrain.settlement.statement.StatementLine.Kind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.springframework.batch.infrastructure.item.file.LineMapper;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;

/**
 * A channel's daily bill ({@code channel-bill}), modelled on WeChat Pay's trade bill and the
 * payout reports of Alipay, Stripe and Adyen: {@code bill-YYYY-MM-DD.csv.gz} (or {@code .csv})
 * with {@code bill-YYYY-MM-DD.csv.gz.sha256} beside it (the hex SHA-256 of the file as
 * dropped, as {@code sha256sum} writes it).
 *
 * <pre>
 * trade_time,channel_ref,out_trade_no,trade_type,trade_status,amount,fee,currency,batch_no
 * `2026-11-25 20:30:16,`4200000001,`202611252030151230007K2M9QX4TB,`FUNDING,`SUCCESS,`8.88,`0.05,`CNY,`
 * `2026-11-25 21:00:00,`4200000002,`P-7Q2,`PAYOUT,`SUCCESS,`50.00,`0.00,`CNY,`B-1
 * `2026-11-25 21:00:00,`4200000003,`P-7Q3,`PAYOUT,`FAILED,`20.00,`0.00,`CNY,`B-1
 * `2026-11-25 21:00:00,`B-1,`,`PAYOUT_BATCH,`PARTIAL,`50.00,`0.00,`CNY,`B-1
 * `2026-11-25 21:00:00,`4200000004,`,`FEE,`SUCCESS,`1.00,`0.00,`CNY,`B-1
 * currency,total_count,total_amount,total_fee
 * `CNY,`5,`129.88,`0.05
 * </pre>
 *
 * <ul>
 *   <li>Every value may carry a leading backtick (the channel's guard against spreadsheets
 *       reading ids as numbers); it is not part of the value.</li>
 *   <li>trade_time is the channel's local time in its own zone, which also splits its days.</li>
 *   <li>amount and fee are major units with at most the currency's decimals; amount is gross:
 *       the ledger matches it, the cash moved is amount less fee.</li>
 *   <li>trade_type: FUNDING (a credited token's money), PAYOUT (one withdrawal, an item of the
 *       batch in batch_no when batched), PAYOUT_BATCH (the batch's transfer: the sum of its
 *       successful items; status SUCCESS, PARTIAL or FAILED), FEE (a fee on a line of its own,
 *       for the payout in out_trade_no or the batch in batch_no), REFUND (the bank returned the
 *       payout in out_trade_no).</li>
 *   <li>The summary rows after the detail give, per currency, the detail rows' count and the
 *       sums of their amount and fee cells.</li>
 * </ul>
 *
 * Checked before anything is imported, else the whole file is refused: the checksum, the
 * header, summary rows that tie to the detail, and batches that tie to their items.
 */
public final class ChannelBillFormat implements StatementFormat {
    public static final String HEADER = "trade_time,channel_ref,out_trade_no,trade_type,"
            + "trade_status,amount,fee,currency,batch_no";
    public static final String SUMMARY_HEADER = "currency,total_count,total_amount,total_fee";
    public static final DateTimeFormatter TRADE_TIME = DateTimeFormatter.ofPattern(
            "yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private static final int FIELDS = 9;

    private final ZoneId channelZone;

    public ChannelBillFormat(ZoneId channelZone) {
        this.channelZone = channelZone;
    }

    @Override
    public String name() {
        return "channel-bill";
    }

    /** The compressed file when the channel dropped one, else the plain one. */
    @Override
    public Path file(Path directory, LocalDate businessDate) {
        Path plain = directory.resolve("bill-" + businessDate + ".csv");
        Path compressed = directory.resolve(plain.getFileName() + ".gz");
        return Files.exists(plain) && !Files.exists(compressed) ? plain : compressed;
    }

    @Override
    public Resource text(Path file) {
        if (!file.getFileName().toString().endsWith(".gz")) {
            return new FileSystemResource(file);
        }
        return new FileSystemResource(file) {
            @Override
            public InputStream getInputStream() throws IOException {
                return new GZIPInputStream(super.getInputStream());
            }
        };
    }

    @Override
    public int headerLines() {
        return 1;
    }

    @Override
    public int verify(Path file) throws IOException {
        verifyChecksum(file);
        BillTotals totals = new BillTotals();
        int detailLines = 0;
        boolean summary = false;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                text(file).getInputStream(), StandardCharsets.UTF_8))) {
            String header = in.readLine();
            if (header == null || !HEADER.equals(withoutByteOrderMark(header))) {
                throw new StatementRejectedException(file.getFileName() + ": the first line is"
                        + " not the bill's header (" + HEADER + ")");
            }
            int lineNumber = 1;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNumber++;
                if (!summary && line.equals(SUMMARY_HEADER)) {
                    summary = true;
                } else if (summary) {
                    if (!line.isBlank()) {
                        totals.stated(summaryRow(line, lineNumber, file));
                    }
                } else {
                    detailLines++;
                    totals.detail(line, lineNumber, mapper());
                }
            }
        }
        if (!summary) {
            throw new StatementRejectedException(file.getFileName() + ": no summary rows ("
                    + SUMMARY_HEADER + "): the file may be cut short");
        }
        List<String> problems = totals.problems();
        if (!problems.isEmpty()) {
            throw new StatementRejectedException(file.getFileName() + ": "
                    + String.join("; ", problems));
        }
        return detailLines;
    }

    private static void verifyChecksum(Path file) throws IOException {
        Path checksumFile = file.resolveSibling(file.getFileName() + ".sha256");
        if (!Files.isReadable(checksumFile)) {
            throw new StatementRejectedException(file.getFileName() + ": no checksum file "
                    + checksumFile.getFileName() + " beside it, so it cannot be verified");
        }
        String[] words = Files.readString(checksumFile, StandardCharsets.UTF_8).trim()
                .split("\\s+");
        String stated = words[0].toLowerCase(Locale.ROOT);
        String actual = sha256(file);
        if (!stated.equals(actual)) {
            throw new StatementRejectedException(file.getFileName() + ": its SHA-256 is "
                    + actual + ", the channel's checksum file says " + stated);
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String withoutByteOrderMark(String line) {
        return line.startsWith("\uFEFF") ? line.substring(1) : line;
    }

    private static BillTotals.Stated summaryRow(String line, int lineNumber, Path file) {
        try {
            List<String> f = values(line);
            if (f.size() != 4) {
                throw new IllegalArgumentException("expected 4 fields, found " + f.size());
            }
            String currency = Money.requireCurrency(f.get(0));
            return new BillTotals.Stated(currency, Long.parseLong(f.get(1)),
                    Money.parseMajor(f.get(2), currency).amountMinor(),
                    Money.parseMajor(f.get(3), currency).amountMinor());
        } catch (IllegalArgumentException e) {
            throw new StatementRejectedException(file.getFileName() + ": summary row on line "
                    + lineNumber + " does not parse (" + e.getMessage() + ")");
        }
    }

    /** The line's fields, each without the channel's leading backtick. */
    private static List<String> values(String line) {
        List<String> values = new ArrayList<>(FIELDS);
        for (String field : StatementCells.fields(line)) {
            values.add(field.startsWith("`") ? field.substring(1) : field);
        }
        return values;
    }

    @Override
    public LineMapper<StatementLine> mapper() {
        return this::parse;
    }

    private StatementLine parse(String line, int lineNumber) {
        List<String> f;
        try {
            f = values(line);
        } catch (IllegalArgumentException e) {
            throw bad("not a CSV line (an unterminated quote?)", line, lineNumber);
        }
        if (f.size() != FIELDS) {
            throw bad("expected " + FIELDS + " fields, found " + f.size(), line, lineNumber);
        }
        Instant tradeTime = tradeTime(f.get(0), line, lineNumber);
        String channelRef = f.get(1);
        if (channelRef.isEmpty() || channelRef.length() > 128) {
            throw bad("channel_ref must be 1-128 characters", line, lineNumber);
        }
        Kind kind = kind(f.get(3), line, lineNumber);
        String status = status(kind, f.get(4), line, lineNumber);
        if (!Money.isCurrencyCode(f.get(7))) {
            throw bad("currency is not an asset code", line, lineNumber);
        }
        long amount = major("amount", f.get(5), f.get(7), line, lineNumber);
        long fee = f.get(6).isEmpty() ? 0 : major("fee", f.get(6), f.get(7), line, lineNumber);
        if (amount < 0 || (amount == 0 && kind != Kind.PAYOUT_BATCH) || fee < 0) {
            throw bad("amount must be positive (a failed batch's may be 0) and fee not negative",
                    line, lineNumber);
        }
        String batch = f.get(8);
        if (!batch.isEmpty() && !Identifiers.isValid(batch)) {
            throw bad("batch_no is not an id", line, lineNumber);
        }
        String reference = reference(kind, f.get(2), batch, line, lineNumber);
        return new StatementLine(kind, reference, channelRef, amount, fee, f.get(7), status,
                tradeTime, batch.isEmpty() ? null : batch, lineNumber);
    }

    private Instant tradeTime(String cell, String line, int lineNumber) {
        try {
            return LocalDateTime.parse(cell, TRADE_TIME).atZone(channelZone).toInstant();
        } catch (DateTimeParseException e) {
            throw bad("trade_time is not yyyy-MM-dd HH:mm:ss", line, lineNumber);
        }
    }

    private static Kind kind(String cell, String line, int lineNumber) {
        try {
            return Kind.valueOf(cell);
        } catch (IllegalArgumentException e) {
            throw bad("trade_type must be FUNDING, PAYOUT, PAYOUT_BATCH, FEE or REFUND", line,
                    lineNumber);
        }
    }

    private static String status(Kind kind, String cell, String line, int lineNumber) {
        boolean known = cell.equals(StatementLine.SUCCESS) || cell.equals(StatementLine.FAILED)
                || (kind == Kind.PAYOUT_BATCH && cell.equals(StatementLine.PARTIAL));
        if (!known) {
            throw bad("trade_status must be SUCCESS or FAILED (or PARTIAL for a batch)", line,
                    lineNumber);
        }
        return cell;
    }

    private static long major(String field, String cell, String currency, String line,
            int lineNumber) {
        try {
            return Money.parseMajor(cell, currency).amountMinor();
        } catch (IllegalArgumentException e) {
            throw bad(field + " is not an amount in major units of " + currency + " ("
                    + e.getMessage() + ")", line, lineNumber);
        }
    }

    /** What the line is about: an outTradeNo or payout id, or for batch-level lines the batch. */
    private static String reference(Kind kind, String outTradeNo, String batch, String line,
            int lineNumber) {
        switch (kind) {
            case PAYOUT_BATCH -> {
                if (!outTradeNo.isEmpty() || batch.isEmpty()) {
                    throw bad("a PAYOUT_BATCH line names its batch in batch_no, no out_trade_no",
                            line, lineNumber);
                }
                return batch;
            }
            case FEE -> {
                if (outTradeNo.isEmpty() && batch.isEmpty()) {
                    throw bad("a FEE line names the out_trade_no or the batch it is for", line,
                            lineNumber);
                }
                if (!outTradeNo.isEmpty() && !Identifiers.isValid(outTradeNo)) {
                    throw bad("out_trade_no is not an id", line, lineNumber);
                }
                return outTradeNo.isEmpty() ? batch : outTradeNo;
            }
            default -> {
                if (!Identifiers.isValid(outTradeNo)) {
                    throw bad("out_trade_no is not an id", line, lineNumber);
                }
                return outTradeNo;
            }
        }
    }
}
