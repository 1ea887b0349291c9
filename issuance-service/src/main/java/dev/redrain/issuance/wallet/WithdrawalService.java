package dev.redrain.issuance.wallet;

import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.ledger.WalletLedger;
import dev.redrain.core.token.RedPacketToken;
import dev.redrain.issuance.ops.Switches;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import java.time.Duration;
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
 *       (PAYOUT_FAILED, the same requestId may try again); no answer leaves it DEBITED: a
 *       retry asks the channel again for the same payout (the channel is idempotent), and
 *       {@link PayoutResolver} asks the channel what became of it if nobody retries.</li>
 * </ol>
 */
@Service
public class WithdrawalService {
    /**
     * An attempt taken this long ago and still not debited belongs to a request that died: a
     * new attempt may be taken. Far above a debit's time (milliseconds), so a slow one is never
     * overtaken.
     */
    static final long ATTEMPT_ABANDONED_SECONDS = 30;
    private final WalletService wallet;
    private final WalletLedger wallets;
    private final JdbcTemplate jdbc;
    private final PaymentGateway gateway;
    private final OutTradeNoGenerator outTradeNos;
    private final Switches switches;
    private final PayoutOutcomes outcomes;

    WithdrawalService(WalletService wallet, WalletLedger wallets, JdbcTemplate jdbc,
            PaymentGateway gateway, OutTradeNoGenerator outTradeNos, Switches switches,
            PayoutOutcomes outcomes) {
        this.wallet = wallet;
        this.wallets = wallets;
        this.jdbc = jdbc;
        this.gateway = gateway;
        this.outTradeNos = outTradeNos;
        this.switches = switches;
        this.outcomes = outcomes;
    }

    public record Withdrawal(long withdrawalId, String actId, String requestId, String status,
            long amountMinor, String currency, String channelRef, String failureReason,
            int creditedTokens) {
    }

    public Withdrawal withdraw(String appId, String actId, String requestId, long amountMinor,
            List<String> tokens) {
        if (switches.isOn(Switches.WALLET_READ_ONLY)) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, ErrorCode.WALLET_READ_ONLY,
                    "withdrawals are paused; balances still answer", Duration
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
            if (!existing.status().equals("PAYOUT_FAILED")
                    && !existing.status().equals("REQUESTED")) {
                return existing;
            }
        }
        int attemptsSeen = existing == null ? 0 : attempts(existing.withdrawalId());
        try {
            requireCoverage(actId, amountMinor, presented);
        } catch (ApiException insufficient) {
            // A concurrent request with this requestId may have spent the money on this very
            // withdrawal: then its state is the answer, not "insufficient".
            Withdrawal now = find(actId, requestId);
            if (now == null) {
                throw insufficient;
            }
            if (now.status().equals("DEBITED") || now.status().equals("PAID")) {
                return debitAndPay(now, false, 0);
            }
            int attempts = attempts(now.withdrawalId());
            String last = debitOutTradeNo(now.withdrawalId()) + "-" + attempts;
            if (attempts > attemptsSeen || attempts > 0 && wallets.booked(last)
                    && !wallets.booked(last + "-R")) {
                throw inProgress(); // its debit is taken or made: the money is on its way
            }
            throw insufficient;
        }
        int credited = wallet.forceCredit(presented);
        boolean created = existing == null && create(actId, requestId, amountMinor);
        return debitAndPay(find(actId, requestId), created, credited);
    }

    /**
     * Debits the wallet for a new attempt, then pays. Concurrent requests for one withdrawal
     * (retries, or one requestId sent twice) race on the row's {@code attempts}: an attempt
     * is taken by the compare-and-set that raises it, so only one request debits each attempt.
     * A debit that an earlier request made and never recorded (it died in between) is found in
     * the ledger and paid, not left in clearing.
     */
    private Withdrawal debitAndPay(Withdrawal requested, boolean created, int credited) {
        long id = requested.withdrawalId();
        Withdrawal row = find(requested.actId(), requested.requestId());
        if (row.status().equals("DEBITED")) {
            return pay(row, credited); // a concurrent request with this requestId debited it
        }
        if (!row.status().equals("REQUESTED") && !row.status().equals("PAYOUT_FAILED")) {
            return row;
        }
        int attempts = attempts(id);
        String previous = debitOutTradeNo(id) + "-" + attempts;
        if (attempts > 0 && !wallets.booked(previous + "-R")) {
            if (wallets.booked(previous)) {
                // The last attempt's debit is in clearing but the row does not say so yet.
                markDebited(id, row.status(), attempts, previous);
                return pay(find(row.actId(), row.requestId()), credited);
            }
            if (secondsSinceUpdate(id) < ATTEMPT_ABANDONED_SECONDS) {
                throw inProgress(); // the last attempt is still debiting
            }
            // Taken and never debited for that long: its request died first.
        }
        if (jdbc.update("UPDATE wallet_withdrawal SET attempts = attempts + 1, updated_at ="
                + " CURRENT_TIMESTAMP(3) WHERE withdrawal_id = ? AND status = ? AND attempts = ?",
                id, row.status(), attempts) == 0) {
            throw inProgress();
        }
        int attempt = attempts + 1;
        String debit = debitOutTradeNo(id) + "-" + attempt;
        WalletLedger.Status debited = wallets.withdraw(debit, row.actId(),
                WalletService.cash(row.amountMinor()), businessDate(debit));
        if (debited == WalletLedger.Status.INSUFFICIENT_BALANCE) {
            // A concurrent withdrawal spent the money first. This one changed nothing.
            if (created) {
                jdbc.update("DELETE FROM wallet_withdrawal WHERE withdrawal_id = ? AND status ="
                        + " 'REQUESTED' AND attempts = ?", id, attempt);
            }
            throw insufficient(row.amountMinor());
        }
        if (!markDebited(id, row.status(), attempt, debit)) {
            Withdrawal now = find(row.actId(), row.requestId());
            if (!debit.equals(debitOutTradeNoOf(id))) {
                // Another attempt was taken meanwhile: this debit is nobody's, give it back.
                wallets.reverseWithdrawal(debit + "-R", row.actId(),
                        WalletService.cash(row.amountMinor()), businessDate(debit));
                throw inProgress();
            }
            return now.status().equals("DEBITED") ? pay(now, credited) : now;
        }
        return pay(find(row.actId(), row.requestId()), credited);
    }

    private long secondsSinceUpdate(long id) {
        return jdbc.queryForObject("SELECT TIMESTAMPDIFF(SECOND, updated_at,"
                + " CURRENT_TIMESTAMP(3)) FROM wallet_withdrawal WHERE withdrawal_id = ?",
                Long.class, id);
    }

    /** Records the debit of {@code attempt}, if the row is still at that attempt. */
    private boolean markDebited(long id, String fromStatus, int attempt, String debit) {
        return jdbc.update("UPDATE wallet_withdrawal SET status = 'DEBITED', debit_out_trade_no ="
                + " ?, failure_reason = NULL, updated_at = CURRENT_TIMESTAMP(3) WHERE"
                + " withdrawal_id = ? AND status = ? AND attempts = ?", debit, id, fromStatus,
                attempt) == 1;
    }

    private String debitOutTradeNoOf(long id) {
        return jdbc.queryForObject("SELECT debit_out_trade_no FROM wallet_withdrawal WHERE"
                + " withdrawal_id = ?", String.class, id);
    }

    private static ApiException inProgress() {
        return new ApiException(HttpStatus.CONFLICT, ErrorCode.WITHDRAWAL_IN_PROGRESS,
                "another request is withdrawing with this requestId; retry the same request",
                Duration.ofSeconds(1));
    }

    /**
     * Pays the row's current debit under its payout id ({@link PayoutOutcomes#payoutId}), and
     * applies the answer only if the row is still at that debit, so concurrent payers of one
     * withdrawal agree.
     */
    private Withdrawal pay(Withdrawal row, int credited) {
        String debit = debitOutTradeNoOf(row.withdrawalId());
        PaymentGateway.Payout payout = gateway.pay(PayoutOutcomes.payoutId(row.withdrawalId(),
                debit), row.actId(), row.amountMinor(), row.currency());
        outcomes.apply(row.withdrawalId(), row.actId(), row.amountMinor(), debit, payout);
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

    /** Creates the withdrawal's row; false when a concurrent request with its id did. */
    private boolean create(String actId, String requestId, long amountMinor) {
        return jdbc.update("INSERT IGNORE INTO wallet_withdrawal (act_id, request_id, currency,"
                + " amount_minor, status) VALUES (?, ?, ?, ?, 'REQUESTED')", actId, requestId,
                WalletService.CASH, amountMinor) == 1;
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

    private LocalDate businessDate(String ignored) {
        return OutTradeNoGenerator.businessDate(outTradeNos.next());
    }

    private static ApiException insufficient(long amountMinor) {
        return new ApiException(HttpStatus.CONFLICT, ErrorCode.INSUFFICIENT_BALANCE,
                "the wallet and the presented tokens hold less than " + amountMinor);
    }
}
