package dev.redrain.core.ledger;

import dev.redrain.core.jdbc.Rows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * What other parts may ask the ledger: which out_trade_nos it has journaled, a token's booked
 * credit (or the credit it refused), a journal with its entries, and a wallet's movements. {@link LedgerWriter} writes; this class
 * and {@link LedgerAudit} read. Plain JDBC on the caller's connection, so a read can join the
 * caller's transaction.
 */
public final class LedgerReads {
    /** IN lists stay this short, so one call with many numbers is many small statements. */
    static final int IN_LIST_MAX = 500;

    /** A token's leg as the ledger holds it: booked, or refused (over its stage's budget). */
    public record TokenLeg(long amountMinor, String currency, String actId, String activityId,
            String stage, String awardType, boolean refused) {
    }

    /** How many token credits, and their sum in minor units of one currency. */
    public record Tally(long count, long amountMinor) {
    }

    /** One booked token credit (out_trade_no is unique in the ledger: booked at most once). */
    public record TokenCredit(String outTradeNo, String actId, long amountMinor,
            String currency, String source) {
    }

    /** A journal as booked, with its entries (account code and signed amount). */
    public record Journal(long journalId, String outTradeNo, String journalType, String source,
            long amountMinor, String currency, LocalDate businessDate,
            Instant createdAt, List<Entry> entries) {
    }

    /** One leg of a journal: credit positive, debit negative. */
    public record Entry(String accountCode, long amountMinor) {
    }

    /**
     * One movement of a wallet, in the order the ledger applied them (every write to a wallet
     * locks its account row first, so entry order is balance order).
     */
    public record WalletMovement(String outTradeNo, String journalType, long amountMinor) {
        public boolean isReversal() {
            return WalletLedger.WITHDRAWAL_REVERSAL.equals(journalType);
        }
    }

    /** The journal booked under this out_trade_no, with its entries. */
    public Optional<Journal> journal(Connection connection, String outTradeNo)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT j.journal_id,"
                + " j.journal_type, j.source, j.amount_minor, j.currency, j.business_date,"
                + " j.created_at, a.account_code, e.amount_minor FROM ledger_journal j JOIN"
                + " ledger_entry e ON e.journal_id = j.journal_id JOIN ledger_account a ON"
                + " a.account_id = e.account_id WHERE j.out_trade_no = ? ORDER BY e.entry_id")) {
            select.setString(1, outTradeNo);
            try (ResultSet rows = select.executeQuery()) {
                Journal journal = null;
                List<Entry> entries = new ArrayList<>();
                while (rows.next()) {
                    if (journal == null) {
                        journal = new Journal(rows.getLong(1), outTradeNo, rows.getString(2),
                                rows.getString(3), rows.getLong(4), rows.getString(5),
                                rows.getDate(6).toLocalDate(), rows.getTimestamp(7).toInstant(),
                                entries);
                    }
                    entries.add(new Entry(rows.getString(8), rows.getLong(9)));
                }
                return Optional.ofNullable(journal).map(found -> new Journal(found.journalId(),
                        outTradeNo, found.journalType(), found.source(), found.amountMinor(),
                        found.currency(), found.businessDate(), found.createdAt(),
                        List.copyOf(entries)));
            }
        }
    }

    /** Every movement of the user's wallet in one asset, oldest first. */
    public List<WalletMovement> walletMovements(Connection connection, String actId,
            String currency) throws SQLException {
        List<WalletMovement> movements = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT j.out_trade_no,"
                + " j.journal_type, e.amount_minor FROM ledger_account a JOIN ledger_entry e ON"
                + " e.account_id = a.account_id JOIN ledger_journal j ON j.journal_id ="
                + " e.journal_id WHERE a.account_code = ? ORDER BY e.entry_id")) {
            select.setString(1, AccountCodes.wallet(actId, currency));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    movements.add(new WalletMovement(rows.getString(1), rows.getString(2),
                            rows.getLong(3)));
                }
            }
        }
        return movements;
    }

    /** Token credits by currency. */
    public Map<String, Tally> tokenCreditsByCurrency(Connection connection)
            throws SQLException {
        Map<String, Tally> tallies = new TreeMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT currency, COUNT(*),"
                + " SUM(amount_minor) FROM ledger_journal WHERE journal_type = '"
                + LedgerWriter.JOURNAL_TYPE_TOKEN_CREDIT + "' GROUP BY currency");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                tallies.put(rows.getString(1), new Tally(rows.getLong(2), rows.getLong(3)));
            }
        }
        return tallies;
    }

    /** How many token credits each source booked (stream, force-credit, repair, service). */
    public Map<String, Long> tokenCreditCountsBySource(Connection connection)
            throws SQLException {
        return Rows.longsByKey(connection, "SELECT source, COUNT(*) FROM ledger_journal WHERE"
                + " journal_type = '" + LedgerWriter.JOURNAL_TYPE_TOKEN_CREDIT + "'"
                + " GROUP BY source");
    }

    /**
     * Minor units credited by stage and award type, keyed {@code stage|awardType} (amounts of
     * one award type share its asset).
     */
    public Map<String, Long> tokenCreditedMinorByStageAndAward(Connection connection)
            throws SQLException {
        return Rows.longsByKey(connection, "SELECT CONCAT(stage, '|', award_type), SUM(amount_minor)"
                + " FROM ledger_journal WHERE journal_type = '"
                + LedgerWriter.JOURNAL_TYPE_TOKEN_CREDIT + "' GROUP BY stage, award_type");
    }

    /** Every booked token credit, handed to {@code each} one by one (a rain has millions). */
    public void tokenCredits(Connection connection, Consumer<TokenCredit> each)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT out_trade_no,"
                + " act_id, amount_minor, currency, source FROM ledger_journal"
                + " WHERE journal_type = '" + LedgerWriter.JOURNAL_TYPE_TOKEN_CREDIT + "'",
                ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    each.accept(new TokenCredit(rows.getString(1), rows.getString(2),
                            rows.getLong(3), rows.getString(4), rows.getString(5)));
                }
            }
        }
    }

    /** The out_trade_nos among these that have a journal of any type. */
    public Set<String> journaled(Connection connection, Collection<String> outTradeNos)
            throws SQLException {
        Set<String> journaled = new HashSet<>();
        List<String> all = new ArrayList<>(outTradeNos);
        for (int from = 0; from < all.size(); from += IN_LIST_MAX) {
            List<String> page = all.subList(from, Math.min(all.size(), from + IN_LIST_MAX));
            String sql = "SELECT out_trade_no FROM ledger_journal WHERE out_trade_no IN ("
                    + String.join(",", Collections.nCopies(page.size(), "?")) + ")";
            try (PreparedStatement select = connection.prepareStatement(sql)) {
                for (int i = 0; i < page.size(); i++) {
                    select.setString(i + 1, page.get(i));
                }
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        journaled.add(rows.getString(1));
                    }
                }
            }
        }
        return journaled;
    }

    /** The id of the journal booked under this out_trade_no, if any. */
    public Optional<Long> journalId(Connection connection, String outTradeNo)
            throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT journal_id FROM ledger_journal WHERE out_trade_no = ?")) {
            select.setString(1, outTradeNo);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(rows.getLong(1)) : Optional.empty();
            }
        }
    }

    /** The token's booked credit; else the credit the ledger refused; else empty. */
    public Optional<TokenLeg> tokenLeg(Connection connection, String outTradeNo)
            throws SQLException {
        Optional<TokenLeg> booked = leg(connection, "SELECT amount_minor, currency, act_id,"
                + " activity_id, stage, award_type FROM ledger_journal WHERE out_trade_no = ?"
                + " AND journal_type = '" + LedgerWriter.JOURNAL_TYPE_TOKEN_CREDIT + "'",
                outTradeNo, false);
        return booked.isPresent() ? booked : leg(connection, "SELECT amount_minor, currency,"
                + " act_id, activity_id, stage, award_type FROM ledger_refusal"
                + " WHERE out_trade_no = ?", outTradeNo, true);
    }

    private static Optional<TokenLeg> leg(Connection connection, String sql, String outTradeNo,
            boolean refused) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            select.setString(1, outTradeNo);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(new TokenLeg(rows.getLong(1), rows.getString(2),
                        rows.getString(3), rows.getString(4), rows.getString(5),
                        rows.getString(6), refused)) : Optional.empty();
            }
        }
    }
}
