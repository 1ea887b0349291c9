package dev.redrain.issuance.finance;

import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;

/**
 * A night's sign-off as outsiders may read it (the local stack's dashboard). The workflow owns
 * {@code night_signoff}; this is its read side, plain JDBC and nothing but the JDK.
 */
public final class SignOffReads {
    /** Who signed the night, when, and which run's report. */
    public record SignOff(long runId, String reportSha256, String signedBy, Instant signedAt) {
    }

    public Optional<SignOff> signOff(Connection connection, LocalDate businessDate)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT run_id,"
                + " report_sha256, signed_by, signed_at FROM night_signoff WHERE business_date"
                + " = ?")) {
            select.setDate(1, Date.valueOf(businessDate));
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(new SignOff(rows.getLong(1), rows.getString(2),
                        rows.getString(3), rows.getTimestamp(4).toInstant())) : Optional.empty();
            }
        }
    }
}
