package dev.redrain.settlement.statement;

import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import org.springframework.batch.infrastructure.item.file.LineMapper;
import org.springframework.core.io.Resource;

/**
 * How one channel writes its statement. The import reads every format through this: find the
 * date's file, check the whole file, then read its detail lines one by one into
 * {@link StatementLine}s (a line that does not parse is skipped and recorded, as in every
 * format).
 */
public interface StatementFormat {
    /** The setting's value ({@code redrain.settlement.statement-format}). */
    String name();

    /** Where the channel drops a business date's statement. */
    Path file(Path directory, LocalDate businessDate);

    /**
     * Reads the whole file before anything is imported.
     *
     * @return how many detail lines follow the header
     * @throws StatementRejectedException when the file fails a check of the whole file
     */
    int verify(Path file) throws IOException;

    /** The file's text as the import reads it, line by line (decompressed where it is). */
    Resource text(Path file);

    /** Lines before the first detail line. */
    int headerLines();

    /** Parses one detail line; a bad line throws FlatFileParseException with the reason. */
    LineMapper<StatementLine> mapper();

    /** Every format; {@code channelZone} is the zone a channel's local times are in. */
    static List<StatementFormat> all(ZoneId channelZone) {
        return List.of(new RedrainCsvFormat(), new ChannelBillFormat(channelZone));
    }

    static StatementFormat named(String name, ZoneId channelZone) {
        String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        List<StatementFormat> all = all(channelZone);
        return all.stream().filter(format -> format.name().equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown statement format '"
                        + name + "': one of " + all.stream().map(StatementFormat::name)
                                .toList()));
    }
}
