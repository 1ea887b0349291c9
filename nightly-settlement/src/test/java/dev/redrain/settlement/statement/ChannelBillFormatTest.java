package dev.redrain.settlement.statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redrain.settlement.statement.StatementLine.Kind;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.infrastructure.item.file.FlatFileParseException;

class ChannelBillFormatTest {
    private static final LocalDate DAY = LocalDate.of(2026, 11, 25);
    private static final String TOKEN = "202611252030151230007K2M9QX4TB";
    private static final List<String> DETAIL = List.of(
            "`2026-11-25 20:30:16,`4200000001,`" + TOKEN + ",`FUNDING,`SUCCESS,`8.88,`0.05,`CNY,`",
            "`2026-11-25 21:00:00,`4200000002,`P-7Q2,`PAYOUT,`SUCCESS,`50.00,`0.00,`CNY,`B-1",
            "`2026-11-25 21:00:00,`4200000003,`P-7Q3,`PAYOUT,`FAILED,`20.00,`0.00,`CNY,`B-1",
            "`2026-11-25 21:00:00,`B-1,`,`PAYOUT_BATCH,`PARTIAL,`50.00,`0.00,`CNY,`B-1",
            "`2026-11-25 21:00:01,`4200000004,`,`FEE,`SUCCESS,`1.00,`,`CNY,`B-1",
            "`2026-11-25 23:10:00,`4200000005,`P-6X1,`REFUND,`SUCCESS,`12.50,`0.00,`CNY,`");
    private static final String SUMMARY = "`CNY,`6,`142.38,`0.05";

    private final ChannelBillFormat format = new ChannelBillFormat(ZoneId.of("Asia/Shanghai"));

    @TempDir
    Path dir;

    @Test
    void aCompressedBillWithItsChecksumVerifiesAndReadsInMinorUnits() throws Exception {
        Path file = drop(bill(DETAIL, SUMMARY), true, true);
        assertThat(file.getFileName().toString()).isEqualTo("bill-2026-11-25.csv.gz");
        assertThat(format.verify(file)).isEqualTo(6);

        List<StatementLine> lines = read(file);
        assertThat(lines).hasSize(6);
        StatementLine funding = lines.get(0);
        assertThat(funding).isEqualTo(new StatementLine(Kind.FUNDING, TOKEN, "4200000001", 888,
                5, "CNY", "SUCCESS", Instant.parse("2026-11-25T12:30:16Z"), null, 2));
        assertThat(lines.get(1).batchRef()).isEqualTo("B-1");
        assertThat(lines.get(3).kind()).isEqualTo(Kind.PAYOUT_BATCH);
        assertThat(lines.get(3).reference()).isEqualTo("B-1");
        assertThat(lines.get(3).status()).isEqualTo("PARTIAL");
        assertThat(lines.get(4).kind()).isEqualTo(Kind.FEE);
        assertThat(lines.get(4).reference()).isEqualTo("B-1");
        assertThat(lines.get(4).amountMinor()).isEqualTo(100);
        assertThat(lines.get(5).kind()).isEqualTo(Kind.REFUND);
        assertThat(lines.get(5).reference()).isEqualTo("P-6X1");
    }

    @Test
    void aPlainBillIsFoundWhenNoCompressedOneWasDropped() throws Exception {
        Path file = drop(bill(DETAIL, SUMMARY), false, true);
        assertThat(file.getFileName().toString()).isEqualTo("bill-2026-11-25.csv");
        assertThat(format.verify(file)).isEqualTo(6);
        assertThat(read(file)).hasSize(6);
    }

    @Test
    void aFileWhoseBytesDoNotMatchItsChecksumIsRefused() throws Exception {
        Path file = drop(bill(DETAIL, SUMMARY), true, true);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        Files.write(file, bytes);
        assertThatThrownBy(() -> format.verify(file)).isInstanceOf(
                StatementRejectedException.class).hasMessageContaining("the channel's checksum"
                        + " file says");
    }

    @Test
    void aBillWithoutItsChecksumFileIsRefused() throws Exception {
        Path file = drop(bill(DETAIL, SUMMARY), true, false);
        assertThatThrownBy(() -> format.verify(file)).isInstanceOf(
                StatementRejectedException.class).hasMessageContaining("no checksum file"
                        + " bill-2026-11-25.csv.gz.sha256");
    }

    @Test
    void summaryRowsThatDoNotTieToTheDetailRefuseTheFile() throws Exception {
        assertThatThrownBy(() -> format.verify(drop(bill(DETAIL, "`CNY,`6,`142.39,`0.05"), true,
                true))).isInstanceOf(StatementRejectedException.class).hasMessageContaining(
                        "CNY detail sums to amount 14238 and fee 5 (minor units), the summary"
                                + " states 14239 and 5");
        assertThatThrownBy(() -> format.verify(drop(bill(DETAIL, "`CNY,`7,`142.38,`0.05"), true,
                true))).hasMessageContaining("the summary counts 7 detail rows, the file has 6");
        assertThatThrownBy(() -> format.verify(drop(bill(DETAIL.subList(0, 5), SUMMARY), true,
                true))).hasMessageContaining("the summary counts 6 detail rows, the file has 5");
    }

    @Test
    void aBillCutShortBeforeItsSummaryIsRefused() throws Exception {
        String cut = ChannelBillFormat.HEADER + "\n" + String.join("\n", DETAIL) + "\n";
        assertThatThrownBy(() -> format.verify(drop(cut, true, true))).hasMessageContaining(
                "no summary rows");
        assertThatThrownBy(() -> format.verify(drop("trade_time,amount\n", true, true)))
                .hasMessageContaining("the first line is not the bill's header");
    }

    @Test
    void aBatchMustTieToItsItems() throws Exception {
        List<String> detail = new ArrayList<>(DETAIL);
        detail.set(3, "`2026-11-25 21:00:00,`B-1,`,`PAYOUT_BATCH,`SUCCESS,`70.00,`0.00,`CNY,`B-1");
        assertThatThrownBy(() -> format.verify(drop(bill(detail, "`CNY,`6,`162.38,`0.05"), true,
                true))).hasMessageContaining("batch B-1 states 7000 CNY SUCCESS, its items: 1"
                        + " paid for 5000 and 1 failed (PARTIAL)");
        List<String> orphan = new ArrayList<>(DETAIL);
        orphan.remove(3);
        assertThatThrownBy(() -> format.verify(drop(bill(orphan, "`CNY,`5,`92.38,`0.05"), true,
                true))).hasMessageContaining("payout items name batch B-1, which has no"
                        + " PAYOUT_BATCH line");
    }

    @Test
    void eachBadLineIsRefusedWithItsReason() {
        var mapper = format.mapper();
        String good = DETAIL.get(0);
        assertThat(reason(mapper, good.replace("`8.88", "`8.888"))).contains(
                "more decimals than CNY has");
        assertThat(reason(mapper, good.replace("`8.88", "`1,000.00"))).contains(
                "expected 9 fields");
        assertThat(reason(mapper, good.replace("`SUCCESS", "`PARTIAL"))).contains(
                "PARTIAL for a batch");
        assertThat(reason(mapper, good.replace("`" + TOKEN, "`"))).contains(
                "out_trade_no is not an id");
        assertThat(reason(mapper, good.replace("`0.05", "`-0.05"))).contains(
                "fee not negative");
        assertThat(reason(mapper, good.replace("`2026-11-25 20:30:16", "`2026-11-25T20:30:16")))
                .contains("trade_time is not yyyy-MM-dd HH:mm:ss");
        assertThat(reason(mapper, good.replace("`FUNDING", "`CHARGEBACK"))).contains(
                "trade_type must be");
        assertThat(reason(mapper, DETAIL.get(3).replace("`,`PAYOUT_BATCH", "`P-1,`PAYOUT_BATCH")))
                .contains("a PAYOUT_BATCH line names its batch in batch_no");
    }

    @Test
    void formatsAreChosenByNameAndAnUnknownNameIsRefused() {
        ZoneId zone = ZoneId.of("Asia/Shanghai");
        assertThat(StatementFormat.named("channel-bill", zone)).isInstanceOf(
                ChannelBillFormat.class);
        assertThat(StatementFormat.named("redrain-csv", zone)).isInstanceOf(
                RedrainCsvFormat.class);
        assertThatThrownBy(() -> StatementFormat.named("wechat", zone)).hasMessageContaining(
                "unknown statement format 'wechat': one of [redrain-csv, channel-bill]");
    }

    @Test
    void quotedFieldsAreReadAsTheChannelWroteThem() {
        assertThat(StatementCells.fields("a,\"b, with a comma\",\"c \"\"quoted\"\"\","))
                .containsExactly("a", "b, with a comma", "c \"quoted\"", "");
        assertThatThrownBy(() -> StatementCells.fields("a,\"unterminated")).isInstanceOf(
                IllegalArgumentException.class);
    }

    private static String reason(
            org.springframework.batch.infrastructure.item.file.LineMapper<StatementLine> mapper,
            String line) {
        try {
            mapper.mapLine(line, 7);
        } catch (FlatFileParseException e) {
            return e.getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("parsed: " + line);
    }

    private static String bill(List<String> detail, String summary) {
        return ChannelBillFormat.HEADER + "\n" + String.join("\n", detail) + "\n"
                + ChannelBillFormat.SUMMARY_HEADER + "\n" + summary + "\n";
    }

    private Path drop(String text, boolean compressed, boolean checksum) throws Exception {
        try (var files = Files.list(dir)) {
            for (Path old : files.toList()) {
                Files.delete(old);
            }
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (compressed) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
                gzip.write(bytes);
            }
            bytes = out.toByteArray();
        }
        Path file = dir.resolve("bill-" + DAY + ".csv" + (compressed ? ".gz" : ""));
        Files.write(file, bytes);
        if (checksum) {
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(bytes));
            Files.writeString(file.resolveSibling(file.getFileName() + ".sha256"), hex + "  "
                    + file.getFileName() + "\n");
        }
        assertThat(format.file(dir, DAY)).isEqualTo(file);
        return file;
    }

    private List<StatementLine> read(Path file) throws Exception {
        List<StatementLine> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                format.text(file).getInputStream(), StandardCharsets.UTF_8))) {
            in.readLine();
            int detail = format.verify(file);
            for (int i = 0; i < detail; i++) {
                lines.add(format.mapper().mapLine(in.readLine(), i + 2));
            }
        } catch (IOException e) {
            throw e;
        }
        return lines;
    }
}
