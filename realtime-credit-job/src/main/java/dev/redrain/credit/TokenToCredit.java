package dev.redrain.credit;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ledger.CreditRequest;
import dev.redrain.core.ledger.CreditSource;
import dev.redrain.core.money.Money;
import java.time.LocalDate;

/** A validated token to book, as a Flink POJO (plain fields, so Flink serializes it itself). */
public class TokenToCredit {
    public String outTradeNo;
    public String appId;
    public String actId;
    public String activityId;
    public String stage;
    public String awardType;
    public long amountMinor;
    public String currency;
    public long businessDateEpochDay;
    public long issuedAtMs;

    public TokenToCredit() {
    }

    static TokenToCredit of(TokenIssued event) {
        TokenToCredit token = new TokenToCredit();
        token.outTradeNo = event.outTradeNo();
        token.appId = event.appId();
        token.actId = event.actId();
        token.activityId = event.activityId();
        token.stage = event.stage().name();
        token.awardType = event.awardType();
        token.amountMinor = event.amountMinor();
        token.currency = event.currency();
        token.businessDateEpochDay = event.businessDate().toEpochDay();
        token.issuedAtMs = event.issuedAt().toEpochMilli();
        return token;
    }

    CreditRequest toCreditRequest() {
        return new CreditRequest(outTradeNo, actId, activityId, Stage.valueOf(stage), awardType,
                Money.of(amountMinor, currency), LocalDate.ofEpochDay(businessDateEpochDay),
                CreditSource.STREAM);
    }
}
