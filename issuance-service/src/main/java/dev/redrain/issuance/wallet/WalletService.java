package dev.redrain.issuance.wallet;

import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.ledger.CreditRequest;
import dev.redrain.core.ledger.CreditResult;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.core.ledger.LedgerReads;
import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.ledger.WalletLedger;
import dev.redrain.core.money.Money;
import dev.redrain.core.token.RedPacketToken;
import dev.redrain.core.token.TokenCodec;
import dev.redrain.core.token.TokenRejectedException;
import dev.redrain.issuance.account.AccountService;
import dev.redrain.issuance.budget.LuaScript;
import dev.redrain.issuance.ops.Switches;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Wallet balances and withdrawals. Available money is what the ledger holds; pending money is
 * the user's tokens issued but not in the ledger yet, so a reward shows the moment it is won.
 * A withdrawal first force-credits the tokens the client presents through the same idempotent
 * ledger path as the credit job (a race between the two books each token once), then moves the
 * cash to payout clearing and asks the payment channel to pay it.
 */
@Service
public class WalletService {
    /** Most tokens one withdrawal may present. */
    public static final int TOKENS_MAX = 200;
    static final String CASH = "CNY";
    private static final LuaScript MARK_CREDITED = new LuaScript(TokenHash.MARK_CREDITED_SCRIPT,
            ScriptOutputType.INTEGER);

    private final AccountService accounts;
    private final LedgerWriter ledger;
    private final WalletLedger wallets;
    private final TokenCodec codec;
    private final StatefulRedisConnection<String, String> redis;
    private final RedisKeys keys;
    private final JdbcTemplate jdbc;
    private final PaymentGateway gateway;
    private final OutTradeNoGenerator outTradeNos;
    private final Switches switches;
    private final Clock clock;
    private final MeterRegistry meters;
    private final LedgerReads ledgerReads = new LedgerReads();

    WalletService(AccountService accounts, LedgerWriter ledger, WalletLedger wallets,
            TokenCodec codec, StatefulRedisConnection<String, String> redis, RedisKeys keys,
            JdbcTemplate jdbc, PaymentGateway gateway, OutTradeNoGenerator outTradeNos,
            Switches switches, Clock clock, MeterRegistry meters) {
        this.accounts = accounts;
        this.ledger = ledger;
        this.wallets = wallets;
        this.codec = codec;
        this.redis = redis;
        this.keys = keys;
        this.jdbc = jdbc;
        this.gateway = gateway;
        this.outTradeNos = outTradeNos;
        this.switches = switches;
        this.clock = clock;
        this.meters = meters;
    }

    public record Balance(String actId, String currency, long availableMinor, long pendingMinor,
            int pendingTokens) {
    }

    public Balance balance(String appId, String actId, String currency) {
        authorize(appId, actId);
        long available = wallets.balance(actId, currency);
        Map<String, Long> pending = pendingOf(actId, currency);
        pending.keySet().removeAll(booked(pending.keySet()));
        return new Balance(actId, currency, available,
                pending.values().stream().mapToLong(Long::longValue).sum(), pending.size());
    }

    /** The app's users only: another app's (or nobody's) actId is not found. */
    void authorize(String appId, String actId) {
        if (!accounts.isBoundInApp(appId, actId)) {
            throw ApiException.notFound(ErrorCode.UNKNOWN_ACCOUNT, "no account " + actId
                    + " for this app");
        }
    }

    /** Opens every token for the owner; any bad one refuses the whole request, changing nothing. */
    List<RedPacketToken> openAll(String actId, List<String> tokens) {
        if (tokens.size() > TOKENS_MAX) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "at most " + TOKENS_MAX
                    + " tokens per withdrawal");
        }
        List<RedPacketToken> opened = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            if (token == null || token.length() > TokenCodec.ENCODED_LENGTH_MAX) {
                throw ApiException.badRequest(ErrorCode.INVALID_TOKEN, "token " + i
                        + " is missing or too long");
            }
            try {
                RedPacketToken open = codec.open(token, actId);
                if (seen.add(open.outTradeNo())) {
                    opened.add(open);
                }
            } catch (TokenRejectedException e) {
                meters.counter("redrain.tokens.rejected").increment();
                throw ApiException.badRequest(ErrorCode.INVALID_TOKEN, "token " + i
                        + " is not a valid token of this account");
            }
        }
        return opened;
    }

    /** Books the tokens the ledger does not have yet; returns how many this call booked. */
    int forceCredit(List<RedPacketToken> tokens) {
        if (tokens.isEmpty()) {
            return 0;
        }
        List<CreditRequest> requests = new ArrayList<>();
        for (RedPacketToken token : tokens) {
            requests.add(new CreditRequest(token.outTradeNo(), token.actId(), token.activityId(),
                    token.stage(), token.awardType(), token.amount(),
                    OutTradeNoGenerator.businessDate(token.outTradeNo()), CreditSource.FORCE));
        }
        List<CreditResult> results = ledger.creditBatch(requests);
        int booked = 0;
        for (int i = 0; i < results.size(); i++) {
            CreditResult result = results.get(i);
            if (result.status() == CreditResult.Status.CONFLICT) {
                throw new ApiException(HttpStatus.CONFLICT, ErrorCode.TOKEN_CONFLICT,
                        "token " + result.outTradeNo() + " is booked with other content");
            }
            if (result.status() == CreditResult.Status.OVER_BUDGET) {
                throw new ApiException(HttpStatus.CONFLICT, ErrorCode.TOKEN_OVER_BUDGET,
                        "token " + result.outTradeNo() + " is beyond its activity's budget; the"
                                + " ledger did not book it");
            }
            if (result.status() == CreditResult.Status.CREDITED) {
                booked++;
            }
            markCredited(tokens.get(i), result);
        }
        meters.counter("redrain.force.credits").increment(booked);
        return booked;
    }

    private void markCredited(RedPacketToken token, CreditResult result) {
        try {
            String[] scriptKeys = {keys.token(token.actId(), token.outTradeNo()),
                keys.pending(token.actId())};
            List<String> args = new ArrayList<>(List.of(token.outTradeNo(),
                    Long.toString(result.journalId()), Long.toString(clock.millis()),
                    result.bookedBy().name(), Long.toString(8L * 24 * 3600),
                    TokenHash.OUT_TRADE_NO, token.outTradeNo(), TokenHash.ACT_ID, token.actId(),
                    TokenHash.ACTIVITY_ID, token.activityId(), TokenHash.STAGE,
                    token.stage().name(), TokenHash.AWARD_TYPE, token.awardType(),
                    TokenHash.AMOUNT_MINOR, Long.toString(token.amount().amountMinor()),
                    TokenHash.CURRENCY, token.amount().currency(), TokenHash.ISSUED_AT_MS,
                    Long.toString(token.openTime().toEpochMilli())));
            MARK_CREDITED.run(redis.sync(), scriptKeys, args.toArray(String[]::new));
        } catch (RuntimeException e) {
            // The ledger has it; the credit job's replay or the nightly settlement fixes the
            // Redis status (STATUS_MISMATCH repair).
            meters.counter("redrain.force.credits.unmarked").increment();
        }
    }

    /** outTradeNo -> amount of the user's pending tokens in the currency. */
    Map<String, Long> pendingOf(String actId, String currency) {
        Map<String, Long> pending = new LinkedHashMap<>();
        redis.sync().hgetall(keys.pending(actId)).forEach((outTradeNo, value) -> {
            int colon = value.indexOf(':');
            String valueCurrency = colon < 0 ? CASH : value.substring(colon + 1);
            if (valueCurrency.equals(currency)) {
                pending.put(outTradeNo, Long.parseLong(colon < 0 ? value
                        : value.substring(0, colon)));
            }
        });
        return pending;
    }

    /** The outTradeNos among these that the ledger has booked. */
    Set<String> booked(Set<String> outTradeNos) {
        if (outTradeNos.isEmpty()) {
            return Set.of();
        }
        Set<String> booked = jdbc.execute((ConnectionCallback<Set<String>>)
                connection -> ledgerReads.journaled(connection, outTradeNos));
        return booked == null ? Set.of() : booked;
    }

    static Money cash(long amountMinor) {
        return Money.of(amountMinor, CASH);
    }
}
