package dev.redrain.issuance.finance;

import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.money.Money;
import dev.redrain.issuance.admin.AdminSupport;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Corrective journals, maker-checker: one finance reviewer proposes, a different one approves,
 * and only then is the journal booked, through the ledger's write path ({@link LedgerWriter},
 * or the wallet's for a returned payout) under an outTradeNo of its own kind. The ledger's
 * unique key on it makes the booking happen once whatever races it: two approvals, a retry
 * after a crash, the stream's late event, the nightly repair.
 *
 * <p>The kinds, and the proof each needs, are {@link JournalKinds}'. The proof is checked
 * at proposal and again at approval; a break without one (a hash someone wrote to Redis, a
 * refund line for a payout nobody paid) gets no journal, whoever approves.
 */
@Component
public class CorrectiveJournals {

    public record JournalView(long journalRequestId, long breakId, String kind, String outTradeNo,
            String actId, String amount, long amountMinor, String currency, String status,
            String proposedBy, Instant proposedAt, String reason, String decidedBy,
            Instant decidedAt, Long ledgerJournalId, String outcome) {
    }

    private static final String COLUMNS = "journal_request_id, break_id, kind, out_trade_no,"
            + " act_id, amount_minor, currency, status, proposed_by, proposed_at, reason,"
            + " decided_by, decided_at, ledger_journal_id, outcome";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final BreakWorkflow workflow;
    private final JournalKinds kinds;
    private final Clock clock;

    CorrectiveJournals(JdbcTemplate jdbc, TransactionTemplate transactions,
            BreakWorkflow workflow, JournalKinds kinds, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.workflow = workflow;
        this.kinds = kinds;
        this.clock = clock;
    }

    /** The corrective journals proposed for this outTradeNo, with who proposed and decided. */
    public List<JournalView> ofOutTradeNo(String outTradeNo) {
        return jdbc.query("SELECT " + COLUMNS + " FROM corrective_journal WHERE out_trade_no ="
                + " ? ORDER BY journal_request_id", (rs, n) -> view(rs), outTradeNo);
    }

    List<JournalView> ofBreak(long breakId) {
        return jdbc.query("SELECT " + COLUMNS + " FROM corrective_journal WHERE break_id = ?"
                + " ORDER BY journal_request_id", (rs, n) -> view(rs), breakId);
    }

    JournalView view(long journalRequestId) {
        List<JournalView> found = jdbc.query("SELECT " + COLUMNS + " FROM corrective_journal"
                + " WHERE journal_request_id = ?", (rs, n) -> view(rs), journalRequestId);
        if (found.isEmpty()) {
            throw ApiException.notFound(ErrorCode.UNKNOWN_JOURNAL, "no corrective journal "
                    + journalRequestId);
        }
        return found.get(0);
    }

    /** Proposes the break's correction; the amount is what the stores prove, nobody's say. */
    JournalView propose(long breakId, String reason, HttpServletRequest request) {
        String why = BreakWorkflow.note(reason);
        long[] id = new long[1];
        try {
            workflow.act(breakId, request, locked -> {
                BreakWorkflow.requireUndecided(locked);
                String kind = JournalKinds.kindFor(locked.row());
                JournalKinds.Proven proven = kinds.prove(kind, locked.row().actId(),
                        locked.row().outTradeNo());
                jdbc.update("INSERT INTO corrective_journal (break_id, kind, out_trade_no,"
                        + " act_id, currency, amount_minor, status, live, proposed_by,"
                        + " proposed_at, reason) VALUES (?, ?, ?, ?, ?, ?, 'PROPOSED', 1, ?, ?,"
                        + " ?)", breakId, kind, proven.outTradeNo(), proven.actId(),
                        proven.currency(), proven.amountMinor(), AdminSupport.actor(request),
                        Timestamp.from(clock.instant()), why);
                id[0] = jdbc.queryForObject("SELECT LAST_INSERT_ID()", Long.class);
                workflow.record(locked.row(), request, "PROPOSE_JOURNAL", why, null,
                        proven.says());
            });
        } catch (DuplicateKeyException e) {
            throw new ApiException(HttpStatus.CONFLICT, ErrorCode.JOURNAL_EXISTS, "break "
                    + breakId + " has a corrective journal proposed or posted already");
        }
        return view(id[0]);
    }

    /**
     * Approves and posts. The approval is recorded first (so a second approver is refused
     * while this one books); a crash before the posting leaves it APPROVED, and the same
     * approver's retry books it (once: the ledger finds it booked if the first got that far).
     * The proof is checked again: what the stores proved at the proposal may be gone.
     */
    JournalView approve(long journalRequestId, String note, HttpServletRequest request) {
        String text = BreakWorkflow.note(note);
        String actor = AdminSupport.actor(request);
        JournalView journal = claimApproval(journalRequestId, text, actor, request);
        JournalKinds.Proven proven;
        try {
            proven = kinds.prove(journal.kind(), journal.actId(), journal.outTradeNo());
        } catch (ApiException noProof) {
            finish(journal, "REJECTED", null, "proof gone at approval: " + noProof.getMessage(),
                    request);
            throw noProof;
        }
        JournalKinds.Posted posted;
        try {
            posted = kinds.post(proven);
        } catch (ApiException refused) {
            finish(journal, "REJECTED", null, refused.getMessage(), request);
            throw refused;
        }
        finish(journal, "POSTED", posted.ledgerJournalId(), posted.outcome(), request);
        return view(journalRequestId);
    }

    /** Rejects a proposal; its proposer may withdraw it too. A new proposal may follow. */
    JournalView reject(long journalRequestId, String note, HttpServletRequest request) {
        String text = BreakWorkflow.note(note);
        JournalView journal = view(journalRequestId);
        workflow.act(journal.breakId(), request, locked -> {
            JournalView now = lockJournal(journalRequestId);
            if (!now.status().equals("PROPOSED")) {
                throw decided(now);
            }
            update(now, "REJECTED", AdminSupport.actor(request), null, "rejected");
            workflow.record(locked.row(), request, "REJECT_JOURNAL", text, "PROPOSED",
                    "REJECTED");
        });
        return view(journalRequestId);
    }

    private JournalView claimApproval(long journalRequestId, String note, String actor,
            HttpServletRequest request) {
        JournalView journal = view(journalRequestId);
        JournalView[] claimed = new JournalView[1];
        workflow.act(journal.breakId(), request, locked -> {
            JournalView now = lockJournal(journalRequestId);
            if (now.status().equals("APPROVED") && actor.equals(now.decidedBy())) {
                claimed[0] = now; // this approver's retry: post what it approved
                return;
            }
            if (!now.status().equals("PROPOSED")) {
                throw decided(now);
            }
            if (actor.equals(now.proposedBy())) {
                throw new ApiException(HttpStatus.FORBIDDEN, ErrorCode.FOUR_EYES_REQUIRED,
                        actor + " proposed corrective journal " + journalRequestId
                                + "; another finance reviewer must approve it");
            }
            update(now, "APPROVED", actor, null, null);
            workflow.record(locked.row(), request, "APPROVE_JOURNAL", note, "PROPOSED",
                    "APPROVED");
            claimed[0] = now;
        });
        return claimed[0];
    }

    /** Records how the approved journal ended; a posted one resolves its break. */
    private void finish(JournalView journal, String status, Long ledgerJournalId,
            String outcome, HttpServletRequest request) {
        workflow.act(journal.breakId(), request, locked -> {
            if (!lockJournal(journal.journalRequestId()).status().equals("APPROVED")) {
                return; // the same approver's other request finished it first
            }
            update(journal, status, AdminSupport.actor(request), ledgerJournalId, outcome);
            workflow.record(locked.row(), request, status.equals("POSTED") ? "POST_JOURNAL"
                    : "REJECT_JOURNAL", outcome, "APPROVED", status);
            if (status.equals("POSTED") && !locked.workflow().resolved()) {
                workflow.resolveLocked(locked, Resolution.CORRECTED_BY_JOURNAL, "corrective"
                        + " journal " + journal.journalRequestId() + ": " + outcome, request);
            }
        });
    }

    private void update(JournalView journal, String status, String decidedBy,
            Long ledgerJournalId, String outcome) {
        jdbc.update("UPDATE corrective_journal SET status = ?, live = IF(? = 'REJECTED', NULL,"
                + " 1), decided_by = ?, decided_at = COALESCE(decided_at, ?),"
                + " ledger_journal_id = ?, outcome = ? WHERE journal_request_id = ?", status,
                status, decidedBy, Timestamp.from(clock.instant()), ledgerJournalId, outcome,
                journal.journalRequestId());
    }

    private JournalView lockJournal(long journalRequestId) {
        return jdbc.queryForObject("SELECT " + COLUMNS + " FROM corrective_journal WHERE"
                + " journal_request_id = ? FOR UPDATE", (rs, n) -> view(rs), journalRequestId);
    }

    private static ApiException decided(JournalView journal) {
        return new ApiException(HttpStatus.CONFLICT, ErrorCode.JOURNAL_DECIDED, "corrective"
                + " journal " + journal.journalRequestId() + " is " + journal.status()
                + (journal.decidedBy() == null ? "" : " by " + journal.decidedBy()));
    }

    private static JournalView view(ResultSet rs) throws SQLException {
        Timestamp decided = rs.getTimestamp("decided_at");
        return new JournalView(rs.getLong("journal_request_id"), rs.getLong("break_id"),
                rs.getString("kind"), rs.getString("out_trade_no"), rs.getString("act_id"),
                Money.of(rs.getLong("amount_minor"), rs.getString("currency")).display(),
                rs.getLong("amount_minor"), rs.getString("currency"), rs.getString("status"),
                rs.getString("proposed_by"), rs.getTimestamp("proposed_at").toInstant(),
                rs.getString("reason"), rs.getString("decided_by"),
                decided == null ? null : decided.toInstant(),
                rs.getObject("ledger_journal_id", Long.class), rs.getString("outcome"));
    }
}
