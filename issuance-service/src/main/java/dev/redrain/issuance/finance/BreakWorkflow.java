package dev.redrain.issuance.finance;

import dev.redrain.core.money.Money;
import dev.redrain.issuance.admin.AdminSupport;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import dev.redrain.issuance.web.Validation;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What finance decides about a reconciliation break: acknowledge it, assign it, annotate it,
 * resolve it with a reason code. The break itself is the settlement's, read here through the
 * view it publishes (settlement_break); the decisions are break_case rows, each action a
 * break_note row and an audit row in the same transaction, serialised per break by a lock on
 * its row (through the view, which merges into the settlement's table).
 */
@Component
public class BreakWorkflow {
    static final int NOTE_LENGTH_MAX = 1024;
    static final int LIST_MAX = 500;
    /** The settlement statuses a reviewer can still decide: the rest are settled by the night. */
    static final Set<String> WORKABLE = Set.of("OPEN", "UNPROVEN");

    /** A break as the settlement last saw it. */
    record BreakRow(long breakId, String outTradeNo, String actId, String category,
            String legs, String activityId, String stage, String awardType, String currency,
            Long redisAmountMinor, Long ledgerAmountMinor, Long paymentAmountMinor,
            long amountMinor, LocalDate firstSeenDate, LocalDate lastSeenDate, String status,
            String owner, String evidence) {
    }

    /** What the workflow decided so far; {@code state} NEW when nobody has acted. */
    public record Case(String state, String assignee, String acknowledgedBy, Instant acknowledgedAt,
            String resolution, Long resolvedAmountMinor, String resolvedBy,
            Instant resolvedAt) {
        static final Case NEW = new Case("NEW", null, null, null, null, null, null, null);

        boolean resolved() {
            return "RESOLVED".equals(state);
        }
    }

    /** One entry of a break's timeline. */
    public record Note(String actor, String action, String note, Instant at) {
    }

    /** A break with its case, as the API shows it. */
    public record BreakView(long breakId, String outTradeNo, String actId, String category,
            String legs, String activityId, String stage, String awardType, String amount,
            long amountMinor, String currency, Long redisAmountMinor, Long ledgerAmountMinor,
            Long paymentAmountMinor, LocalDate firstSeenDate, LocalDate lastSeenDate,
            String settlementStatus, String owner, String evidence, Case workflow,
            List<Note> notes) {
        static BreakView of(BreakRow row, Case workflow, List<Note> notes) {
            return new BreakView(row.breakId(), row.outTradeNo(), row.actId(), row.category(),
                    row.legs(), row.activityId(), row.stage(), row.awardType(),
                    Money.of(row.amountMinor(), row.currency()).display(), row.amountMinor(),
                    row.currency(), row.redisAmountMinor(), row.ledgerAmountMinor(),
                    row.paymentAmountMinor(), row.firstSeenDate(), row.lastSeenDate(),
                    row.status(), row.owner(), row.evidence(), workflow, notes);
        }
    }

    /** A break locked for one action: its row and its case as they are now. */
    record Locked(BreakRow row, Case workflow) {
    }

    private static final String BREAK_COLUMNS = "b.break_id, b.out_trade_no, b.act_id,"
            + " b.category, b.legs, b.activity_id, b.stage, b.award_type, b.currency,"
            + " b.redis_amount_minor, b.ledger_amount_minor, b.payment_amount_minor,"
            + " b.amount_minor, b.first_seen_date, b.last_seen_date, b.status, b.owner,"
            + " b.evidence";
    private static final String CASE_COLUMNS = "c.state, c.assignee, c.acknowledged_by,"
            + " c.acknowledged_at, c.resolution, c.resolved_amount_minor, c.resolved_by,"
            + " c.resolved_at";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Clock clock;

    BreakWorkflow(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.clock = clock;
    }

    /** Breaks last seen on {@code date} (any date when null), in workflow {@code state}. */
    List<BreakView> list(LocalDate date, String state, int limit) {
        if (state != null && !Set.of("NEW", "ACKNOWLEDGED", "RESOLVED").contains(state)) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD,
                    "state must be NEW, ACKNOWLEDGED or RESOLVED");
        }
        if (limit < 1 || limit > LIST_MAX) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "limit must be 1 to "
                    + LIST_MAX);
        }
        StringBuilder sql = new StringBuilder("SELECT " + BREAK_COLUMNS + ", " + CASE_COLUMNS
                + " FROM settlement_break b LEFT JOIN break_case c ON c.break_id = b.break_id"
                + " WHERE b.status IN ('OPEN', 'UNPROVEN', 'RESOLVED')");
        List<Object> args = new ArrayList<>();
        if (date != null) {
            sql.append(" AND b.last_seen_date = ?");
            args.add(date);
        }
        if ("NEW".equals(state)) {
            sql.append(" AND c.state IS NULL");
        } else if (state != null) {
            sql.append(" AND c.state = ?");
            args.add(state);
        }
        sql.append(" ORDER BY b.break_id LIMIT ").append(limit);
        return jdbc.query(sql.toString(), (rs, n) -> BreakView.of(breakRow(rs), caseOf(rs),
                List.of()), args.toArray());
    }

    /**
     * Every break the settlement opened on this outTradeNo (a token's or a payout's), in any
     * status, with the workflow's case and timeline: the token lineage's breaks.
     */
    public List<BreakView> ofOutTradeNo(String outTradeNo) {
        return jdbc.query("SELECT " + BREAK_COLUMNS + ", " + CASE_COLUMNS
                + " FROM settlement_break b LEFT JOIN break_case c ON c.break_id = b.break_id"
                + " WHERE b.out_trade_no = ? ORDER BY b.break_id", (rs, n) -> {
                    BreakRow row = breakRow(rs);
                    return BreakView.of(row, caseOf(rs), notes(row.breakId()));
                }, outTradeNo);
    }

    BreakView view(long breakId) {
        List<BreakView> found = jdbc.query("SELECT " + BREAK_COLUMNS + ", " + CASE_COLUMNS
                + " FROM settlement_break b LEFT JOIN break_case c ON c.break_id = b.break_id"
                + " WHERE b.break_id = ?", (rs, n) -> BreakView.of(breakRow(rs), caseOf(rs),
                        notes(breakId)), breakId);
        if (found.isEmpty()) {
            throw unknownBreak(breakId);
        }
        return found.get(0);
    }

    BreakView acknowledge(long breakId, String note, HttpServletRequest request) {
        String text = note(note);
        act(breakId, request, locked -> {
            requireUndecided(locked);
            if (locked.workflow().state().equals("NEW")) {
                jdbc.update("INSERT INTO break_case (break_id, state, acknowledged_by,"
                        + " acknowledged_at) VALUES (?, 'ACKNOWLEDGED', ?, ?)", breakId,
                        AdminSupport.actor(request), now());
                record(locked.row(), request, "ACKNOWLEDGE", text, "NEW", "ACKNOWLEDGED");
            }
        });
        return view(breakId);
    }

    BreakView assign(long breakId, String assignee, String note, HttpServletRequest request) {
        String to = Validation.id("assignee", assignee);
        String text = note(note);
        act(breakId, request, locked -> {
            requireUndecided(locked);
            jdbc.update("INSERT INTO break_case (break_id, state, assignee, acknowledged_by,"
                    + " acknowledged_at) VALUES (?, 'ACKNOWLEDGED', ?, ?, ?) ON DUPLICATE KEY"
                    + " UPDATE assignee = VALUES(assignee), updated_at = CURRENT_TIMESTAMP(3)",
                    breakId, to, AdminSupport.actor(request), now());
            record(locked.row(), request, "ASSIGN", text, locked.workflow().assignee(), to);
        });
        return view(breakId);
    }

    /** A note on the timeline; allowed in every state, a resolved break's too. */
    BreakView annotate(long breakId, String note, HttpServletRequest request) {
        String text = note(note);
        act(breakId, request, locked -> record(locked.row(), request, "ANNOTATE", text, null,
                null));
        return view(breakId);
    }

    BreakView resolve(long breakId, Resolution resolution, String note,
            HttpServletRequest request) {
        String text = note(note);
        if (resolution == Resolution.CORRECTED_BY_JOURNAL) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "CORRECTED_BY_JOURNAL is"
                    + " set when an approved corrective journal is posted: propose one with"
                    + " POST /admin/finance/breaks/" + breakId + "/journals");
        }
        act(breakId, request, locked -> {
            requireUndecided(locked);
            resolveLocked(locked, resolution, text, request);
        });
        return view(breakId);
    }

    /**
     * Runs one action on a break in one transaction, its row locked: concurrent
     * actions on the same break queue, and each sees what the one before it decided.
     */
    void act(long breakId, HttpServletRequest request, Consumer<Locked> action) {
        AdminSupport.actor(request);
        transactions.executeWithoutResult(status -> action.accept(lock(breakId)));
    }

    /** Marks a locked break RESOLVED; inside {@link #act}. */
    void resolveLocked(Locked locked, Resolution resolution, String note,
            HttpServletRequest request) {
        jdbc.update("INSERT INTO break_case (break_id, state, resolution, resolved_amount_minor,"
                + " resolved_by, resolved_at) VALUES (?, 'RESOLVED', ?, ?, ?, ?) ON DUPLICATE"
                + " KEY UPDATE state = 'RESOLVED', resolution = VALUES(resolution),"
                + " resolved_amount_minor = VALUES(resolved_amount_minor),"
                + " resolved_by = VALUES(resolved_by), resolved_at = VALUES(resolved_at),"
                + " updated_at = CURRENT_TIMESTAMP(3)", locked.row().breakId(),
                resolution.name(), locked.row().amountMinor(), AdminSupport.actor(request), now());
        record(locked.row(), request, "RESOLVE", note, locked.workflow().state(),
                "RESOLVED " + resolution + " " + Money.of(locked.row().amountMinor(),
                        locked.row().currency()).display());
    }

    /** The timeline entry and the audit row of an action; inside {@link #act}. */
    void record(BreakRow row, HttpServletRequest request, String action, String note,
            String before, String after) {
        jdbc.update("INSERT INTO break_note (break_id, actor, action, note) VALUES (?, ?, ?, ?)",
                row.breakId(), AdminSupport.actor(request), action, note);
        AdminSupport.audit(jdbc, request, "BREAK_" + action, "break/" + row.breakId() + " "
                + row.category() + " " + row.outTradeNo(), before, after, clip(note));
    }

    /** Refuses an action that decides something on a break that is settled or resolved. */
    static void requireUndecided(Locked locked) {
        if (locked.workflow().resolved()) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.BREAK_RESOLVED, "break "
                    + locked.row().breakId() + " is resolved (" + locked.workflow()
                            .resolution() + "); annotate it instead");
        }
        if (!WORKABLE.contains(locked.row().status())) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.BREAK_NOT_OPEN, "break "
                    + locked.row().breakId() + " is " + locked.row().status()
                    + " in the settlement: nothing is left to decide");
        }
    }

    static String note(String note) {
        return AdminSupport.text("note", note, NOTE_LENGTH_MAX);
    }

    static ApiException unknownBreak(long breakId) {
        return ApiException.notFound(ErrorCode.UNKNOWN_BREAK, "no break " + breakId);
    }

    private Locked lock(long breakId) {
        List<BreakRow> rows = jdbc.query("SELECT " + BREAK_COLUMNS + " FROM settlement_break b"
                + " WHERE b.break_id = ? FOR UPDATE", (rs, n) -> breakRow(rs), breakId);
        if (rows.isEmpty()) {
            throw unknownBreak(breakId);
        }
        List<Case> cases = jdbc.query("SELECT " + CASE_COLUMNS + " FROM break_case c"
                + " WHERE c.break_id = ?", (rs, n) -> caseOf(rs), breakId);
        return new Locked(rows.get(0), cases.isEmpty() ? Case.NEW : cases.get(0));
    }

    private List<Note> notes(long breakId) {
        return jdbc.query("SELECT actor, action, note, created_at FROM break_note WHERE"
                + " break_id = ? ORDER BY note_id", (rs, n) -> new Note(rs.getString(1),
                        rs.getString(2), rs.getString(3), instant(rs, 4)), breakId);
    }

    private static BreakRow breakRow(ResultSet rs) throws SQLException {
        return new BreakRow(rs.getLong("break_id"), rs.getString("out_trade_no"),
                rs.getString("act_id"), rs.getString("category"), rs.getString("legs"),
                rs.getString("activity_id"), rs.getString("stage"), rs.getString("award_type"),
                rs.getString("currency"), rs.getObject("redis_amount_minor", Long.class),
                rs.getObject("ledger_amount_minor", Long.class),
                rs.getObject("payment_amount_minor", Long.class), rs.getLong("amount_minor"),
                rs.getDate("first_seen_date").toLocalDate(),
                rs.getDate("last_seen_date").toLocalDate(), rs.getString("status"),
                rs.getString("owner"), rs.getString("evidence"));
    }

    private static Case caseOf(ResultSet rs) throws SQLException {
        String state = rs.getString("state");
        if (state == null) {
            return Case.NEW;
        }
        return new Case(state, rs.getString("assignee"), rs.getString("acknowledged_by"),
                instant(rs, "acknowledged_at"), rs.getString("resolution"),
                rs.getObject("resolved_amount_minor", Long.class), rs.getString("resolved_by"),
                instant(rs, "resolved_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp at = rs.getTimestamp(column);
        return at == null ? null : at.toInstant();
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp at = rs.getTimestamp(column);
        return at == null ? null : at.toInstant();
    }

    private Timestamp now() {
        return Timestamp.from(clock.instant());
    }

    private static String clip(String note) {
        return note.length() <= AdminSupport.REASON_LENGTH_MAX ? note
                : note.substring(0, AdminSupport.REASON_LENGTH_MAX - 3) + "...";
    }
}
