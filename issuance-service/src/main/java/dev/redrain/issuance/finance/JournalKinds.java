package dev.redrain.issuance.finance;

import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.ledger.CreditRequest;
import dev.redrain.core.ledger.CreditResult;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.money.Money;
import dev.redrain.core.token.Grant;
import dev.redrain.issuance.wallet.PayoutReturns;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The kinds of corrective journal, each with the proof it needs and the one write it makes:
 * <ul>
 *   <li>BOOK_TOKEN: an ISSUED_NOT_CREDITED break the settlement left UNPROVEN as
 *       NOT_CORROBORATED. Proof: the token's grant proof in Redis ({@link GrantCheck}).
 *       Write: the token's credit through the ledger, under its own outTradeNo.</li>
 *   <li>RETURN_PAYOUT: a PAYOUT_RETURNED break (the bank sent a paid payout back). Proof:
 *       the withdrawal this service paid under that payout id, and the channel's successful
 *       refund line for it ({@link PayoutReturns}). Write: payout clearing back to the
 *       wallet, once per debit.</li>
 * </ul>
 * The amount is always the proof's, never the break's or the reviewer's.
 */
@Component
class JournalKinds {
    static final String BOOK_TOKEN = "BOOK_TOKEN";
    static final String RETURN_PAYOUT = "RETURN_PAYOUT";

    /** What the stores prove a journal may book. */
    sealed interface Proven permits ProvenGrant, ProvenReturn {
        String kind();

        String outTradeNo();

        String actId();

        String currency();

        long amountMinor();

        default String says() {
            return kind() + " " + Money.of(amountMinor(), currency()).display() + " to "
                    + actId();
        }
    }

    record ProvenGrant(Grant grant) implements Proven {
        public String kind() {
            return BOOK_TOKEN;
        }

        public String outTradeNo() {
            return grant.outTradeNo();
        }

        public String actId() {
            return grant.actId();
        }

        public String currency() {
            return grant.currency();
        }

        public long amountMinor() {
            return grant.amountMinor();
        }
    }

    record ProvenReturn(PayoutReturns.Returned returned) implements Proven {
        public String kind() {
            return RETURN_PAYOUT;
        }

        public String outTradeNo() {
            return returned.payoutOutTradeNo();
        }

        public String actId() {
            return returned.actId();
        }

        public String currency() {
            return returned.currency();
        }

        public long amountMinor() {
            return returned.amountMinor();
        }
    }

    /** How a posting ended: the ledger's journal, and what happened. */
    record Posted(long ledgerJournalId, String outcome) {
    }

    private final GrantCheck grants;
    private final PayoutReturns returns;
    private final LedgerWriter ledger;

    JournalKinds(GrantCheck grants, PayoutReturns returns, LedgerWriter ledger) {
        this.grants = grants;
        this.returns = returns;
        this.ledger = ledger;
    }

    /** The kind a break may be corrected by, or 409 JOURNAL_NOT_APPLICABLE saying why none. */
    static String kindFor(BreakWorkflow.BreakRow row) {
        if (row.category().equals("PAYOUT_RETURNED") && row.status().equals("OPEN")) {
            return RETURN_PAYOUT;
        }
        if (row.category().equals("ISSUED_NOT_CREDITED") && row.status().equals("UNPROVEN")
                && row.evidence() != null && row.evidence().startsWith("NOT_CORROBORATED")) {
            return BOOK_TOKEN;
        }
        throw GrantCheck.notApplicable("a corrective journal books a token whose grant proof"
                + " verifies but nothing corroborates (ISSUED_NOT_CREDITED, UNPROVEN,"
                + " NOT_CORROBORATED), or returns a payout the bank sent back"
                + " (PAYOUT_RETURNED, OPEN); break " + row.breakId() + " is " + row.category()
                + " " + row.status() + (row.evidence() == null ? "" : " (" + row.evidence()
                        + ")"));
    }

    /** What the stores prove now for a journal of {@code kind} on this outTradeNo. */
    Proven prove(String kind, String actId, String outTradeNo) {
        if (kind.equals(BOOK_TOKEN)) {
            return new ProvenGrant(grants.verified(actId, outTradeNo));
        }
        PayoutReturns.Returned returned = returns.prove(outTradeNo).orElseThrow(() ->
                GrantCheck.notApplicable("nothing proves " + outTradeNo + " came back: no"
                        + " withdrawal paid under that payout id, or no successful refund of all"
                        + " of it on the channel's statement"));
        if (actId != null && !actId.equals(returned.actId())) {
            throw GrantCheck.notApplicable("payout " + outTradeNo + " was paid to "
                    + returned.actId() + ", not " + actId);
        }
        return new ProvenReturn(returned);
    }

    /** Makes the proven journal's one write; 409 LEDGER_REFUSED when the ledger refuses. */
    Posted post(Proven proven) {
        if (proven instanceof ProvenReturn payout) {
            return new Posted(returns.returnToWallet(payout.returned()), "returned to the"
                    + " wallet (once per debit: " + payout.returned().debitOutTradeNo() + ")");
        }
        Grant grant = ((ProvenGrant) proven).grant();
        CreditResult result = ledger.credit(new CreditRequest(grant.outTradeNo(),
                grant.actId(), grant.activityId(), grant.stage(), grant.awardType(),
                Money.of(grant.amountMinor(), grant.currency()),
                OutTradeNoGenerator.businessDate(grant.outTradeNo()), CreditSource.JOURNAL));
        return switch (result.status()) {
            case CREDITED -> new Posted(result.journalId(), "booked by this journal");
            case ALREADY_CREDITED -> new Posted(result.journalId(), "the ledger had it already"
                    + " (booked by " + result.bookedBy() + "); nothing booked twice");
            default -> throw new ApiException(HttpStatus.CONFLICT, ErrorCode.LEDGER_REFUSED,
                    "the ledger refused to book " + grant.outTradeNo() + ": "
                            + result.status());
        };
    }
}
