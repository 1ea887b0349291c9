package dev.redrain.issuance.finance;

import dev.redrain.issuance.admin.AdminSupport;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Finance signs a night: the business date's last completed settlement run, bound to the
 * SHA-256 of the report they read (as the settlement recorded it; read through the view it
 * publishes, settlement_night_report).
 * Every break the run left open must have been acknowledged or resolved first. A signed night
 * is never signed again or changed; the settlement keeps its report files and writes a forced
 * rerun's beside them.
 */
@Component
class NightSignOffs {
    static final String REPORT_FILE = "report.html";

    record Run(long runId, String status, boolean forced, Instant startedAt,
            Instant finishedAt, String reportSha256) {
    }

    record SignOff(LocalDate businessDate, long runId, String reportSha256, String signedBy,
            Instant signedAt, String note) {
    }

    record NightView(LocalDate businessDate, List<Run> runs, long breaksOpen,
            long breaksUnreviewed, SignOff signOff) {
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Clock clock;

    NightSignOffs(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.clock = clock;
    }

    NightView night(LocalDate date) {
        List<Run> runs = jdbc.query("SELECT run_id, status, forced, started_at, finished_at,"
                + " report_sha256 FROM settlement_night_report WHERE business_date = ?"
                + " ORDER BY run_id", (rs, n) -> new Run(rs.getLong(1), rs.getString(2),
                        rs.getBoolean(3), rs.getTimestamp(4).toInstant(),
                        rs.getTimestamp(5) == null ? null : rs.getTimestamp(5).toInstant(),
                        rs.getString(6)), date);
        if (runs.isEmpty()) {
            throw ApiException.notFound(ErrorCode.UNKNOWN_NIGHT, "no settlement run of " + date);
        }
        List<SignOff> signed = jdbc.query("SELECT business_date, run_id, report_sha256,"
                + " signed_by, signed_at, note FROM night_signoff WHERE business_date = ?",
                (rs, n) -> new SignOff(rs.getDate(1).toLocalDate(), rs.getLong(2),
                        rs.getString(3), rs.getString(4), rs.getTimestamp(5).toInstant(),
                        rs.getString(6)), date);
        return new NightView(date, runs, openBreaks(date), unreviewedBreaks(date),
                signed.isEmpty() ? null : signed.get(0));
    }

    NightView signOff(LocalDate date, Long runId, String reportSha256, String note,
            HttpServletRequest request) {
        String text = BreakWorkflow.note(note);
        if (runId == null || reportSha256 == null
                || !reportSha256.toLowerCase(Locale.ROOT).matches("[0-9a-f]{64}")) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "runId and reportSha256 (64"
                    + " hex digits, the SHA-256 of the run's report.html) are required");
        }
        String sha = reportSha256.toLowerCase(Locale.ROOT);
        NightView night = night(date);
        if (night.signOff() != null) {
            throw signed(night.signOff());
        }
        Run last = night.runs().get(night.runs().size() - 1);
        if (last.runId() != runId || !last.status().equals("COMPLETED")) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.NIGHT_NOT_SIGNABLE, "the"
                    + " night's last run is " + last.runId() + " (" + last.status()
                    + "); sign the last completed run, after reading its report");
        }
        if (!sha.equals(last.reportSha256())) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.REPORT_MISMATCH, "run " + runId
                    + "'s " + REPORT_FILE + " has another SHA-256 than the one given: the"
                    + " report read is not the one the settlement wrote");
        }
        try {
            transactions.executeWithoutResult(status -> {
                long unreviewed = unreviewedBreaks(date);
                if (unreviewed > 0) {
                    throw new ApiException(HttpStatus.CONFLICT, ErrorCode.BREAKS_UNREVIEWED,
                            unreviewed + " of the night's open breaks nobody acknowledged or"
                                    + " resolved");
                }
                jdbc.update("INSERT INTO night_signoff (business_date, run_id, report_sha256,"
                        + " signed_by, signed_at, note) VALUES (?, ?, ?, ?, ?, ?)", date, runId,
                        sha, AdminSupport.actor(request), Timestamp.from(clock.instant()), text);
                AdminSupport.audit(jdbc, request, "SIGN_OFF_NIGHT", "night/" + date, null,
                        "run " + runId + " report sha256 " + sha, text.length() > 512
                                ? text.substring(0, 509) + "..." : text);
            });
        } catch (DuplicateKeyException e) {
            throw signed(night(date).signOff());
        }
        return night(date);
    }

    private long openBreaks(LocalDate date) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM settlement_break WHERE last_seen_date = ?"
                + " AND status IN ('OPEN', 'UNPROVEN')", Long.class, date);
    }

    private long unreviewedBreaks(LocalDate date) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM settlement_break b LEFT JOIN break_case c"
                + " ON c.break_id = b.break_id WHERE b.last_seen_date = ? AND b.status IN"
                + " ('OPEN', 'UNPROVEN') AND c.state IS NULL", Long.class, date);
    }

    private static ApiException signed(SignOff signOff) {
        return new ApiException(HttpStatus.CONFLICT, ErrorCode.NIGHT_SIGNED, "the night "
                + signOff.businessDate() + " is signed (run " + signOff.runId() + ", by "
                + signOff.signedBy() + " at " + signOff.signedAt() + "): a signed night never"
                + " changes");
    }
}
