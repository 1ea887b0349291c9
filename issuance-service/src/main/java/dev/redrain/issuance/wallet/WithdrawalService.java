package dev.redrain.issuance.wallet;

import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.ledger.WalletLedger;
import dev.redrain.core.money.Money;
import dev.redrain.core.token.RedPacketToken;
import dev.redrain.issuance.ops.Switches;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * {@code POST /v1/wallet/{actId}/withdrawals}, idempotent on (actId, requestId):
 * <ol>
 *   <li>refuse, changing nothing, if a token is bad or the wallet plus the presented tokens
 *       cannot cover the amount;</li>
 *   <li>force-credit the presented tokens the ledger does not have yet;</li>
 *   <li>move the cash from the wallet to payout clearing (never below zero);</li>
 *   <li>ask the channel to pay. PAID ends it; a refusal moves the money back to the wallet
 *       (PAYOUT_FAILED, the same requestId may try again); no answer leaves it DEBITED for a
 *       retry, which asks the channel again for the same payout (the channel is idempotent).</li>
 * </ol>
 */
@Service
public class WithdrawalService {
    private final WalletService wallet;
    private final WalletLedger wallets;
    private final JdbcTemplate jdbc;
    private final PaymentGateway gateway;
    private final OutTradeNoGenerator outTradeNos;
    private final Switches switches;

    WithdrawalService(WalletService wallet, WalletLedger wallets, JdbcTemplate jdbc,
            PaymentGateway gateway, OutTradeNoGenerator outTradeNos, Switches switches) {
        this.wallet = wallet;
        this.wallets = wallets;
        this.jdbc = jdbc;
        this.gateway = gateway;
        this.outTradeNos = outTradeNos;
        this.switches = switches;
    }

    public record Withdrawal(long withdrawalId, String actId, String requestId, String status,
            long amountMinor, String currency, String channelRef, String failureReason,
            int creditedTokens) {
    }

    public Withdrawal withdraw(String appId, String actId, String requestId, long amountMinor,
            List<String> tokens) {
        if (switches.isOn(Switches.WALLET_READ_ONLY)) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, ErrorCode.WALLET_READ_ONLY,
                    "withdrawals are paused; balances still answer", java.time.Duration
                    .ofSeconds(60));
        }
        if (amountMinor <= 0) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "amountMinor must be > 0");
        }
        wallet.authorize(appId, actId);
        List<RedPacketToken> presented = wallet.openAll(actId, tokens);
        Withdrawal existing = find(actId, requestId);
        if (existing != null) {
            if (existing.amountMinor() != amountMinor) {
                throw new ApiException(HttpStatus.CONFLICT, ErrorCode.REQUEST_ID_REUSED,
                        "requestId " + requestId + " was used for another amount");
            }
            if (existing.status().equals("DEBITED")) {
                // The money already sits in payout clearing; the channel's answer was unknown.
                // Ask it again under the same payout id; no coverage check, no second debit.
                return pay(existing, wallet.forceCredit(presented));
            }
            if (!existing.status().equals("PAYOUT_FAILED")) {
                return existing;
            }
        }
        requireCoverage(actId, amountMinor, presented);
        int credited = wallet.forceCredit(presented);
        Withdrawal row = existing != null ? existing : create(actId, requestId, amountMinor);
        if (row.status().equals("DEBITED")) {
            return pay(row, credited); // a concurrent request with this requestId debited it
        }
        int attempt = attempts(row.withdrawalId()) + 1;
        String debit = debitOutTradeNo(row.withdrawalId()) + "-" + attempt;
        WalletLedger.Status debited = wallets.withdraw(debit, actId,
                WalletService.cash(amountMinor), businessDate(debit));
        if (debited == WalletLedger.Status.INSUFFICIENT_BALANCE) {
            // A concurrent withdrawal spent the money first. This one changed nothing.
            if (existing == null) {
                jdbc.update("DELETE FROM wallet_withdrawal WHERE withdrawal_id = ? AND status ="
                        + " 'REQUESTED'", row.withdrawalId());
            }
            throw insufficient(amountMinor);
        }
        jdbc.update("UPDATE wallet_withdrawal SET status = 'DEBITED', debit_out_trade_no = ?,"
                + " attempts = ?, failure_reason = NULL, updated_at = CURRENT_TIMESTAMP(3)"
                + " WHERE withdrawal_id = ?", debit, attempt, row.withdrawalId());
        return pay(find(actId, requestId), credited);
    }

    private Withdrawal pay(Withdrawal row, int credited) {
        // One payout id per debit attempt: an UNKNOWN answer is asked again under the same id
        // (the channel is idempotent), a refused one is never reused.
        String payoutId = payoutOutTradeNo(row.withdrawalId()) + "-"
                + attempts(row.withdrawalId());
        PaymentGateway.Payout payout = gateway.pay(payoutId, row.actId(), row.amountMinor(),
                row.currency());
        switch (payout.status()) {
            case PAID -> jdbc.update("UPDATE wallet_withdrawal SET status = 'PAID',"
                    + " payout_out_trade_no = ?, channel_ref = ?, updated_at ="
                    + " CURRENT_TIMESTAMP(3) WHERE withdrawal_id = ?", payoutId,
                    payout.channelRef(), row.withdrawalId());
            case FAILED -> {
                String debit = jdbc.queryForObject("SELECT debit_out_trade_no FROM"
                        + " wallet_withdrawal WHERE withdrawal_id = ?", String.class,
                        row.withdrawalId());
                wallets.reverseWithdrawal(debit + "-R", row.actId(),
                        WalletService.cash(row.amountMinor()), businessDate(debit));
                jdbc.update("UPDATE wallet_withdrawal SET status = 'PAYOUT_FAILED',"
                        + " payout_out_trade_no = ?, failure_reason = ?, updated_at ="
                        + " CURRENT_TIMESTAMP(3) WHERE withdrawal_id = ?", payoutId,
                        payout.reason(), row.withdrawalId());
            }
            case UNKNOWN -> jdbc.update("UPDATE wallet_withdrawal SET payout_out_trade_no = ?,"
                    + " failure_reason = ?, updated_at = CURRENT_TIMESTAMP(3) WHERE"
                    + " withdrawal_id = ?", payoutId, "payout outcome unknown; retry",
                    row.withdrawalId());
        }
        Withdrawal after = find(row.actId(), row.requestId());
        return new Withdrawal(after.withdrawalId(), after.actId(), after.requestId(),
                after.status(), after.amountMinor(), after.currency(), after.channelRef(),
                after.failureReason(), credited);
    }

    /** Wallet plus the presented tokens the ledger lacks must cover the amount. */
    private void requireCoverage(String actId, long amountMinor, List<RedPacketToken> presented) {
        Map<String, Long> cashTokens = presented.stream()
                .filter(token -> token.amount().currency().equals(WalletService.CASH))
                .collect(Collectors.toMap(RedPacketToken::outTradeNo,
                        token -> token.amount().amountMinor()));
        Set<String> alreadyBooked = wallet.booked(cashTokens.keySet());
        long incoming = cashTokens.entrySet().stream()
                .filter(entry -> !alreadyBooked.contains(entry.getKey()))
                .mapToLong(Map.Entry::getValue).sum();
        long available = wallets.balance(actId, WalletService.CASH);
        if (Math.addExact(available, incoming) < amountMinor) {
            throw insufficient(amountMinor);
        }
    }

    private Withdrawal create(String actId, String requestId, long amountMinor) {
        jdbc.update("INSERT IGNORE INTO wallet_withdrawal (act_id, request_id, currency,"
                + " amount_minor, status) VALUES (?, ?, ?, ?, 'REQUESTED')", actId, requestId,
                WalletService.CASH, amountMinor);
        return find(actId, requestId);
    }

    private Withdrawal find(String actId, String requestId) {
        List<Withdrawal> rows = jdbc.query("SELECT withdrawal_id, act_id, request_id, status,"
                + " amount_minor, currency, channel_ref, failure_reason FROM wallet_withdrawal"
                + " WHERE act_id = ? AND request_id = ?", (result, index) -> new Withdrawal(
                        result.getLong(1), result.getString(2), result.getString(3),
                        result.getString(4), result.getLong(5), result.getString(6),
                        result.getString(7), result.getString(8), 0), actId, requestId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private int attempts(long withdrawalId) {
        Integer attempts = jdbc.queryForObject("SELECT attempts FROM wallet_withdrawal WHERE"
                + " withdrawal_id = ?", Integer.class, withdrawalId);
        return attempts == null ? 0 : attempts;
    }

    private String debitOutTradeNo(long withdrawalId) {
        return "WD-" + withdrawalId;
    }

    private String payoutOutTradeNo(long withdrawalId) {
        return "PO-" + withdrawalId;
    }

    private LocalDate businessDate(String ignored) {
        return OutTradeNoGenerator.businessDate(outTradeNos.next());
    }

    private static ApiException insufficient(long amountMinor) {
        return new ApiException(HttpStatus.CONFLICT, ErrorCode.INSUFFICIENT_BALANCE,
                "the wallet and the presented tokens hold less than " + amountMinor);
    }
}
