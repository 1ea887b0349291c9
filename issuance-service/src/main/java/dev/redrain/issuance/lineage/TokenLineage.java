package dev.redrain.issuance.lineage;

import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.RedrainEvent;
import dev.redrain.core.event.TokenCredited;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.ledger.LedgerReads;
import dev.redrain.core.money.Money;
import dev.redrain.core.token.Grant;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.GrantRejectedException;
import dev.redrain.issuance.config.IssuanceProperties;
import dev.redrain.issuance.finance.BreakWorkflow;
import dev.redrain.issuance.finance.CorrectiveJournals;
import dev.redrain.issuance.grab.GrabLookup;
import dev.redrain.issuance.wallet.WithdrawalReads;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * One token's whole life across the three stores and the events, each hop where that store
 * really holds it: the grab's answer and the token's hash in Redis, TokenIssued and
 * TokenCredited on Kafka with their offsets, the ledger's journal with its entries, the
 * channel's statement lines, the withdrawals that spent it (first in, first out: {@link
 * WalletSpending}) with their payouts' lines, and every break, repair and corrective journal
 * on it with who made it. Read only, and side by side, so a reviewer sees where the stores
 * disagree. A Redis hash or a Kafka event counts towards ISSUED only when its grant proof
 * verifies; a planted one is shown with the reason it does not.
 */
@Service
public class TokenLineage {
    /** Before its outTradeNo's time: the issuing instance's clock may run ahead of Kafka's. */
    private static final Duration CLOCK_SLACK = Duration.ofMinutes(1);
    static final String VERIFIED = "VERIFIED";

    /** One place a store holds the token, and what it says there. */
    public record Hop(String hop, String store, String where, Instant at, String amount,
            Map<String, Object> facts) {
    }

    /** A Kafka search's extent: how far the lineage looked for an event, and if it finished. */
    public record Search(String topic, Instant from, long scanned, boolean complete,
            String reason) {
    }

    /**
     * @param reached the states the stores show it reached, in order: ISSUED, CREDITED,
     *     FUNDED, WITHDRAWN, PAID
     */
    public record Lineage(String outTradeNo, String actId, String amount, List<String> reached,
            List<Hop> hops, List<Search> searches, String unspent) {
    }

    private final JdbcTemplate jdbc;
    private final StatefulRedisConnection<String, String> redis;
    private final RedisKeys keys;
    private final Topics topics;
    private final EventSearch events;
    private final GrabLookup grabs;
    private final BreakWorkflow breaks;
    private final CorrectiveJournals journals;
    private final GrantProof proof;
    private final ZoneId businessZone;
    private final EventSerde serde = new EventSerde();
    private final LedgerReads ledger = new LedgerReads();
    private final WithdrawalReads withdrawals = new WithdrawalReads();

    TokenLineage(JdbcTemplate jdbc, StatefulRedisConnection<String, String> redis,
            RedisKeys keys, Topics topics, EventSearch events, GrabLookup grabs,
            BreakWorkflow breaks, CorrectiveJournals journals, GrantProof proof,
            IssuanceProperties properties) {
        this.jdbc = jdbc;
        this.redis = redis;
        this.keys = keys;
        this.topics = topics;
        this.events = events;
        this.grabs = grabs;
        this.breaks = breaks;
        this.journals = journals;
        this.proof = proof;
        this.businessZone = ZoneId.of(properties.businessZone());
    }

    /** The lineage of a token's outTradeNo; {@code actIdHint} when no store names its user. */
    public Lineage of(String outTradeNo, String actIdHint) {
        if (!OutTradeNoGenerator.isWellFormed(outTradeNo)) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "outTradeNo must be a"
                    + " token's 30-character outTradeNo");
        }
        Optional<LedgerReads.TokenLeg> leg = read(c -> ledger.tokenLeg(c, outTradeNo));
        Optional<LedgerReads.Journal> journal = read(c -> ledger.journal(c, outTradeNo));
        Instant madeAt = OutTradeNoGenerator.issuedAt(outTradeNo, businessZone);
        List<Hop> hops = new ArrayList<>();
        List<Search> searches = new ArrayList<>();
        List<Hop> issuedHops = new ArrayList<>();
        Optional<TokenIssued> issued = issuedEvents(outTradeNo, madeAt, issuedHops, searches);
        String actId = leg.map(LedgerReads.TokenLeg::actId)
                .or(() -> issued.map(TokenIssued::actId)).orElse(actIdHint);
        if (actId != null) {
            redisHops(actId, outTradeNo, hops);
        }
        hops.addAll(issuedHops);
        journal.ifPresent(found -> hops.add(journalHop("LEDGER_CREDIT", found)));
        leg.filter(LedgerReads.TokenLeg::refused).ifPresent(refused -> hops.add(new Hop(
                "LEDGER_REFUSED", "mysql", "ledger_refused_credit " + outTradeNo, null,
                money(refused.amountMinor(), refused.currency()), Map.of())));
        creditedEvents(outTradeNo, journal.map(LedgerReads.Journal::createdAt).orElse(madeAt),
                hops, searches);
        List<Hop> funding = statementHops("FUNDING_LINE", outTradeNo);
        hops.addAll(funding);
        WalletSpending.Spending spending = journal.isPresent() && actId != null
                ? read(c -> WalletSpending.of(ledger.walletMovements(c, actId,
                        journal.get().currency()), outTradeNo))
                : new WalletSpending.Spending(false, List.of(), 0);
        boolean allPaid = spendingHops(spending, journal.map(LedgerReads.Journal::currency)
                .orElse(null), hops);
        correctionHops(outTradeNo, hops);
        if (hops.isEmpty()) {
            throw ApiException.notFound(ErrorCode.UNKNOWN_TOKEN, "no store holds outTradeNo "
                    + outTradeNo + (actId == null ? " (no store names its user either; give"
                            + " actId to look in Redis)" : ""));
        }
        String currency = journal.map(LedgerReads.Journal::currency).orElse(null);
        return new Lineage(outTradeNo, actId, journal.map(found -> money(found.amountMinor(),
                found.currency())).orElse(null), reached(hops, funding, spending, allPaid),
                List.copyOf(hops), List.copyOf(searches), currency == null ? null
                        : money(spending.unspentMinor(), currency));
    }

    private Optional<TokenIssued> issuedEvents(String outTradeNo, Instant madeAt, List<Hop> hops,
            List<Search> searches) {
        EventSearch.Result result = events.find(topics.tokenIssued(), madeAt.minus(CLOCK_SLACK),
                outTradeNo);
        searches.add(search(result));
        TokenIssued first = null;
        for (EventSearch.Found found : result.found()) {
            TokenIssued event = decode(found, TokenIssued.class);
            if (event != null && event.outTradeNo().equals(outTradeNo)) {
                first = first == null ? event : first;
                hops.add(new Hop("TOKEN_ISSUED", "kafka", found.where(), found.timestamp(),
                        money(event.amountMinor(), event.currency()), facts("eventId",
                                event.eventId(), "idempotencyKey", event.idempotencyKey(),
                                "templateId", event.templateId(), "stage", event.stage(),
                                "grantProof", verdict(() -> event.grant(),
                                        event.grantProof()))));
            }
        }
        return Optional.ofNullable(first);
    }

    private void creditedEvents(String outTradeNo, Instant from, List<Hop> hops,
            List<Search> searches) {
        EventSearch.Result result = events.find(topics.tokenCredited(), from.minus(CLOCK_SLACK),
                outTradeNo);
        searches.add(search(result));
        for (EventSearch.Found found : result.found()) {
            TokenCredited event = decode(found, TokenCredited.class);
            if (event != null && event.outTradeNo().equals(outTradeNo)) {
                hops.add(new Hop("TOKEN_CREDITED", "kafka", found.where(), found.timestamp(),
                        money(event.amountMinor(), event.currency()), facts("eventId",
                                event.eventId(), "journalId", event.journalId(), "bookedBy",
                                event.source(), "creditedAt", event.creditedAt())));
            }
        }
    }

    private void redisHops(String actId, String outTradeNo, List<Hop> hops) {
        String tokenKey = keys.token(actId, outTradeNo);
        Map<String, String> hash = redis.sync().hgetall(tokenKey);
        if (hash == null || hash.isEmpty()) {
            return;
        }
        grabs.answerOf(hash).ifPresent(answered -> hops.add(new Hop("GRAB_ANSWER", "redis",
                keys.grab(actId, answered.recordId()), null, money(answered.answer()
                        .amountMinor(), answered.answer().currency()), facts("outcome",
                                answered.answer().outcome(), "templateId",
                                answered.answer().templateId(), "outTradeNo",
                                answered.answer().outTradeNo()))));
        Map<String, Object> facts = new LinkedHashMap<>(hash);
        // The proof is a MAC anyone may see, but a wall of characters: say what it proves.
        facts.put(TokenHash.GRANT_PROOF, verdict(() -> TokenHash.grantOf(hash),
                hash.get(TokenHash.GRANT_PROOF)));
        hops.add(new Hop("REDIS_TOKEN", "redis", tokenKey, millis(hash.get(TokenHash
                .ISSUED_AT_MS)), amountOf(hash), facts));
    }

    private List<Hop> statementHops(String hop, String outTradeNo) {
        return jdbc.query("SELECT payment_kind, channel_ref, amount_minor, fee_minor, batch_ref,"
                + " currency, channel_status, paid_at, business_date, source_file, source_line"
                + " FROM settlement_statement_line WHERE out_trade_no = ? ORDER BY payment_id",
                (rs, n) -> new Hop(hop, "statement", rs.getString("source_file") + ":"
                        + rs.getInt("source_line"), rs.getTimestamp("paid_at").toInstant(),
                        money(rs.getLong("amount_minor"), rs.getString("currency")), facts(
                                "kind", rs.getString("payment_kind"), "channelRef",
                                rs.getString("channel_ref"), "status",
                                rs.getString("channel_status"), "fee", money(rs.getLong(
                                        "fee_minor"), rs.getString("currency")), "batchRef",
                                rs.getString("batch_ref"), "businessDate",
                                rs.getDate("business_date").toString())), outTradeNo);
    }

    /** The withdrawals that spent the token; true when every one of them was paid. */
    private boolean spendingHops(WalletSpending.Spending spending, String currency,
            List<Hop> hops) {
        boolean allPaid = !spending.spentBy().isEmpty();
        for (WalletSpending.Portion portion : spending.spentBy()) {
            Optional<WithdrawalReads.Withdrawal> withdrawal = read(c -> withdrawals.ofDebit(c,
                    portion.debitOutTradeNo()));
            read(c -> ledger.journal(c, portion.debitOutTradeNo())).ifPresent(debit -> hops.add(
                    journalHop("WITHDRAWAL_DEBIT", debit)));
            withdrawal.ifPresent(found -> hops.add(new Hop("WITHDRAWAL", "mysql",
                    "wallet_withdrawal " + found.withdrawalId(), found.updatedAt(),
                    money(portion.amountMinor(), currency), facts("status", found.status(),
                            "requestId", found.requestId(), "withdrawn", money(found
                                    .amountMinor(), found.currency()), "debit",
                            portion.debitOutTradeNo(), "payoutOutTradeNo",
                            found.payoutOutTradeNo(), "channelRef", found.channelRef()))));
            allPaid &= withdrawal.map(found -> "PAID".equals(found.status())).orElse(false);
            String payout = WithdrawalReads.payoutOf(portion.debitOutTradeNo());
            hops.addAll(statementHops("PAYOUT_LINE", payout));
            correctionHops(payout, hops);
        }
        return allPaid;
    }

    /** The breaks opened on an outTradeNo, the settlement's repairs, finance's journals. */
    private void correctionHops(String outTradeNo, List<Hop> hops) {
        for (BreakWorkflow.BreakView found : breaks.ofOutTradeNo(outTradeNo)) {
            hops.add(new Hop("BREAK", "mysql", "break " + found.breakId(), null,
                    found.amount(), facts("category", found.category(), "legs", found.legs(),
                            "settlementStatus", found.settlementStatus(), "firstSeen",
                            found.firstSeenDate(), "workflow", found.workflow().state(),
                            "resolution", found.workflow().resolution(), "resolvedBy",
                            found.workflow().resolvedBy())));
        }
        hops.addAll(jdbc.query("SELECT repair_id, business_date, break_id, category, action,"
                + " outcome, amount_minor, currency, created_at FROM settlement_repair WHERE"
                + " out_trade_no = ? ORDER BY repair_id", (rs, n) -> new Hop("REPAIR", "mysql",
                        "repair " + rs.getLong("repair_id"), rs.getTimestamp("created_at")
                                .toInstant(), money(rs.getLong("amount_minor"),
                                        rs.getString("currency")), facts("madeBy",
                                                "nightly settlement of " + rs.getDate(
                                                        "business_date"), "breakId",
                                                rs.getLong("break_id"), "action",
                                                rs.getString("action"), "outcome",
                                                rs.getString("outcome"))), outTradeNo));
        for (CorrectiveJournals.JournalView journal : journals.ofOutTradeNo(outTradeNo)) {
            hops.add(new Hop("CORRECTIVE_JOURNAL", "mysql", "corrective journal "
                    + journal.journalRequestId(), journal.decidedAt(), journal.amount(), facts(
                            "kind", journal.kind(), "status", journal.status(), "proposedBy",
                            journal.proposedBy(), "decidedBy", journal.decidedBy(),
                            "ledgerJournalId", journal.ledgerJournalId())));
        }
    }

    /**
     * VERIFIED when the proof is this service's for exactly these fields; else why not. A
     * hash or an event is shown either way, and counts as issued only when VERIFIED.
     */
    private String verdict(Supplier<Grant> grant, String grantProof) {
        try {
            proof.verify(grant.get(), grantProof);
            return VERIFIED;
        } catch (GrantRejectedException e) {
            return e.reason() + ": " + e.getMessage();
        } catch (RuntimeException e) {
            return "GRANT_PROOF_MISSING: " + e.getMessage();
        }
    }

    private static List<String> reached(List<Hop> hops, List<Hop> funding,
            WalletSpending.Spending spending, boolean allPaid) {
        List<String> reached = new ArrayList<>();
        if (hops.stream().anyMatch(hop -> hop.hop().equals("LEDGER_CREDIT") || VERIFIED.equals(
                hop.facts().get("grantProof")))) {
            reached.add("ISSUED");
        }
        if (hops.stream().anyMatch(hop -> hop.hop().equals("LEDGER_CREDIT"))) {
            reached.add("CREDITED");
        }
        if (funding.stream().anyMatch(hop -> "SUCCESS".equals(hop.facts().get("status")))) {
            reached.add("FUNDED");
        }
        if (spending.credited() && spending.unspentMinor() == 0
                && !spending.spentBy().isEmpty()) {
            reached.add("WITHDRAWN");
            if (allPaid) {
                reached.add("PAID");
            }
        }
        return List.copyOf(reached);
    }

    private static Hop journalHop(String hop, LedgerReads.Journal journal) {
        List<String> entries = journal.entries().stream().map(entry -> entry.accountCode() + " "
                + money(entry.amountMinor(), journal.currency())).toList();
        return new Hop(hop, "mysql", "ledger_journal " + journal.journalId(),
                journal.createdAt(), money(journal.amountMinor(), journal.currency()), facts(
                        "outTradeNo", journal.outTradeNo(), "type", journal.journalType(),
                        "source", journal.source(), "businessDate",
                        journal.businessDate().toString(), "entries", entries));
    }

    private <T extends RedrainEvent> T decode(EventSearch.Found found, Class<T> type) {
        try {
            return serde.deserialize(found.value(), type);
        } catch (EventDecodingException | RuntimeException e) {
            return null; // a record that merely mentions the number, or not one of ours
        }
    }

    private static Search search(EventSearch.Result result) {
        return new Search(result.topic(), result.from(), result.scanned(), result.complete(),
                result.reason());
    }

    private <T> T read(ConnectionCallback<T> callback) {
        return jdbc.execute(callback);
    }

    private static String amountOf(Map<String, String> hash) {
        try {
            return money(Long.parseLong(hash.get(TokenHash.AMOUNT_MINOR)), hash.get(TokenHash
                    .CURRENCY));
        } catch (RuntimeException e) {
            return null; // a hash without a readable amount is shown as it is
        }
    }

    private static Instant millis(String epochMillis) {
        try {
            return epochMillis == null ? null : Instant.ofEpochMilli(Long.parseLong(epochMillis));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String money(long amountMinor, String currency) {
        return Money.of(amountMinor, currency).display();
    }

    /** Facts in the order given; a null value is left out. */
    private static Map<String, Object> facts(Object... pairs) {
        Map<String, Object> facts = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                facts.put((String) pairs[i], pairs[i + 1]);
            }
        }
        return facts;
    }
}
