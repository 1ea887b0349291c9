package dev.redrain.stack.channel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * The simulated channel's daily bill, written as a real channel writes one (the settlement's
 * {@code channel-bill} format): its own local time and day, amounts in major units behind a
 * backtick, a fee on each line by the contract, payouts in batches with a batch line and a fee
 * line of their own, summary rows per currency, gzip, and a SHA-256 file beside it. Written
 * here independently of the settlement's reader, as a channel's would be: the local stack's
 * settlement reading it is the test that the two agree.
 */
public final class ChannelBill {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern(
            "yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private static final List<String> HEADER = List.of("trade_time", "channel_ref",
            "out_trade_no", "trade_type", "trade_status", "amount", "fee", "currency",
            "batch_no");
    private static final List<String> SUMMARY_HEADER = List.of("currency", "total_count",
            "total_amount", "total_fee");

    /**
     * The contract and the channel's habits.
     *
     * @param zone the channel's clock: its trade times and where its days split
     * @param fundingFeePpm the fee on funding a token, parts per million, rounded half up
     * @param batchFeeMinor the fee on each payout batch, on a line of its own
     * @param batchSize payouts per batch
     */
    public record Terms(ZoneId zone, long fundingFeePpm, long batchFeeMinor, int batchSize) {
        public static Terms demo(ZoneId zone) {
            return new Terms(zone, 6_000, 100, 25);
        }

        /** What the settlement needs to read this bill (its command-line settings). */
        List<String> settlementArguments() {
            return List.of("--redrain.settlement.statement-format=channel-bill",
                    "--redrain.settlement.channel-zone=" + zone.getId(),
                    "--redrain.settlement.funding-fee-ppm=" + fundingFeePpm,
                    "--redrain.settlement.batch-fee-minor=" + batchFeeMinor);
        }
    }

    private final Terms terms;
    private final List<List<String>> rows = new ArrayList<>();
    private final Map<String, long[]> totals = new TreeMap<>();

    private ChannelBill(Terms terms) {
        this.terms = terms;
    }

    /**
     * Writes {@code bill-<date>.csv.gz} and its checksum from the channel's lines of that day
     * on its own clock (as stated, faults applied), in channel-reference order.
     */
    static Path write(LocalDate date, Path directory, List<PaymentChannel.Line> lines,
            Terms terms) throws IOException {
        ChannelBill bill = new ChannelBill(terms);
        List<PaymentChannel.Line> payouts = new ArrayList<>();
        for (PaymentChannel.Line line : lines) {
            if (!LocalDate.ofInstant(line.paidAt(), terms.zone()).equals(date)) {
                continue;
            }
            if ("FUNDING".equals(line.kind())) {
                bill.row(line, line.outTradeNo(), "FUNDING", line.status(), line.amountMinor(),
                        rate(line.amountMinor(), terms.fundingFeePpm()), "");
            } else {
                payouts.add(line);
            }
        }
        for (int from = 0; from < payouts.size(); from += terms.batchSize()) {
            bill.batch(date, from / terms.batchSize() + 1, payouts.subList(from,
                    Math.min(payouts.size(), from + terms.batchSize())));
        }
        Files.createDirectories(directory);
        Path file = directory.resolve("bill-" + date + ".csv.gz");
        byte[] bytes = gzip(bill.text());
        Files.write(file, bytes);
        Files.writeString(directory.resolve(file.getFileName() + ".sha256"), sha256(bytes)
                + "  " + file.getFileName() + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private void batch(LocalDate date, int number, List<PaymentChannel.Line> items) {
        String batchNo = "B-" + date.toString().replace("-", "") + "-" + number;
        long paidMinor = 0;
        int failed = 0;
        for (PaymentChannel.Line item : items) {
            row(item, item.outTradeNo(), "PAYOUT", item.status(), item.amountMinor(), 0,
                    batchNo);
            if ("SUCCESS".equals(item.status())) {
                paidMinor += item.amountMinor();
            } else {
                failed++;
            }
        }
        PaymentChannel.Line last = items.get(items.size() - 1);
        String status = failed == 0 ? "SUCCESS" : failed == items.size() ? "FAILED" : "PARTIAL";
        row(last, "", "PAYOUT_BATCH", status, paidMinor, 0, batchNo, batchNo);
        if (terms.batchFeeMinor() > 0) {
            row(last, "", "FEE", "SUCCESS", terms.batchFeeMinor(), 0, batchNo, "F-" + batchNo);
        }
    }

    private void row(PaymentChannel.Line line, String outTradeNo, String type, String status,
            long amountMinor, long feeMinor, String batchNo) {
        row(line, outTradeNo, type, status, amountMinor, feeMinor, batchNo, line.channelRef());
    }

    private void row(PaymentChannel.Line line, String outTradeNo, String type, String status,
            long amountMinor, long feeMinor, String batchNo, String channelRef) {
        String currency = line.currency();
        rows.add(List.of(TIME.format(line.paidAt().atZone(terms.zone())), channelRef, outTradeNo,
                type, status, major(amountMinor, currency), major(feeMinor, currency), currency,
                batchNo));
        long[] sums = totals.computeIfAbsent(currency, c -> new long[3]);
        sums[0]++;
        sums[1] += amountMinor;
        sums[2] += feeMinor;
    }

    private String text() {
        StringBuilder out = new StringBuilder();
        CSVFormat format = CSVFormat.RFC4180.builder().setRecordSeparator('\n').get();
        try (CSVPrinter printer = new CSVPrinter(out, format)) {
            printer.printRecord(HEADER);
            for (List<String> row : rows) {
                printer.printRecord(row.stream().map(cell -> "`" + cell).toList());
            }
            printer.printRecord(SUMMARY_HEADER);
            for (Map.Entry<String, long[]> total : totals.entrySet()) {
                String currency = total.getKey();
                long[] sums = total.getValue();
                printer.printRecord(List.of("`" + currency, "`" + sums[0],
                        "`" + major(sums[1], currency), "`" + major(sums[2], currency)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static long rate(long amountMinor, long ppm) {
        return (amountMinor * ppm + 500_000) / 1_000_000;
    }

    private static String major(long minor, String currency) {
        int digits;
        try {
            digits = Math.max(0, Currency.getInstance(currency).getDefaultFractionDigits());
        } catch (IllegalArgumentException notIso) {
            digits = 0;
        }
        return BigDecimal.valueOf(minor, digits).toPlainString();
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStreamWriter out = new OutputStreamWriter(new GZIPOutputStream(bytes),
                StandardCharsets.UTF_8)) {
            out.write(text);
        }
        return bytes.toByteArray();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
