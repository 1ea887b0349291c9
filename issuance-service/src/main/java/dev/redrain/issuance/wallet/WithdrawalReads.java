package dev.redrain.issuance.wallet;

import dev.redrain.core.jdbc.Rows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The withdrawals as outsiders may read them (the local stack's summary and abuse suite). The
 * wallet owns {@code wallet_withdrawal}; this is its read side, plain JDBC and nothing but the
 * JDK, so a reader needs none of the service's libraries.
 */
public final class WithdrawalReads {
    private static final Pattern DEBIT = Pattern.compile("WD-([0-9]{1,18})-([0-9]{1,9})(-R)?");

    /** A withdrawal as its row holds it: the last attempt's debit and payout ids. */
    public record Withdrawal(long withdrawalId, String actId, String requestId, String status,
            long amountMinor, String currency, String debitOutTradeNo, String payoutOutTradeNo,
            String channelRef, String failureReason, int attempts, Instant createdAt,
            Instant updatedAt) {
    }

    /**
     * The withdrawal whose debit (or its reversal) this outTradeNo names ({@code
     * WD-<id>-<attempt>[-R]}), if there is one.
     */
    public Optional<Withdrawal> ofDebit(Connection connection, String debitOutTradeNo)
            throws SQLException {
        Matcher debit = DEBIT.matcher(debitOutTradeNo);
        if (!debit.matches()) {
            return Optional.empty();
        }
        try (PreparedStatement select = connection.prepareStatement("SELECT withdrawal_id,"
                + " act_id, request_id, status, amount_minor, currency, debit_out_trade_no,"
                + " payout_out_trade_no, channel_ref, failure_reason, attempts, created_at,"
                + " updated_at FROM wallet_withdrawal WHERE withdrawal_id = ?")) {
            select.setLong(1, Long.parseLong(debit.group(1)));
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Withdrawal(rows.getLong(1), rows.getString(2),
                        rows.getString(3), rows.getString(4), rows.getLong(5), rows.getString(6),
                        rows.getString(7), rows.getString(8), rows.getString(9),
                        rows.getString(10), rows.getInt(11), rows.getTimestamp(12).toInstant(),
                        rows.getTimestamp(13).toInstant()));
            }
        }
    }

    /** The payout id a debit {@code WD-<id>-<attempt>} was paid (or asked) under. */
    public static String payoutOf(String debitOutTradeNo) {
        Matcher debit = DEBIT.matcher(debitOutTradeNo);
        if (!debit.matches()) {
            throw new IllegalArgumentException("not a withdrawal debit: " + debitOutTradeNo);
        }
        return PayoutOutcomes.payoutId(Long.parseLong(debit.group(1)), "WD-" + debit.group(1)
                + "-" + debit.group(2));
    }

    /** Minor units of the withdrawals the channel paid. */
    public long paidMinor(Connection connection) throws SQLException {
        return Rows.single(connection, "SELECT COALESCE(SUM(amount_minor), 0) FROM"
                + " wallet_withdrawal WHERE status = 'PAID'");
    }

    /** How many withdrawals wait for the channel's answer (DEBITED). */
    public long awaitingChannel(Connection connection) throws SQLException {
        return Rows.single(connection, "SELECT COUNT(*) FROM wallet_withdrawal WHERE status ="
                + " 'DEBITED'");
    }

    /** Every withdrawal as {@code id status amount}: equal lists mean none changed. */
    public List<String> fingerprint(Connection connection) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT withdrawal_id,"
                + " status, amount_minor FROM wallet_withdrawal ORDER BY withdrawal_id");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                lines.add(rows.getLong(1) + " " + rows.getString(2) + " " + rows.getLong(3));
            }
        }
        return lines;
    }
}
