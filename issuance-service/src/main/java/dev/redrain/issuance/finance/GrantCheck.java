package dev.redrain.issuance.finance;

import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.token.Grant;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.GrantRejectedException;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The proof behind a corrective journal: the token's hash in Redis, with a grant proof that
 * verifies for exactly its fields (only the issuance service's key ring makes one). A break row
 * says what the settlement saw; it is not proof, and neither is a hash without a proof. The
 * journal books what the verified grant says, never what the break or the reviewer says.
 */
@Component
class GrantCheck {
    private final StatefulRedisConnection<String, String> redis;
    private final RedisKeys keys;
    private final GrantProof proof;

    GrantCheck(StatefulRedisConnection<String, String> redis, RedisKeys keys, GrantProof proof) {
        this.redis = redis;
        this.keys = keys;
        this.proof = proof;
    }

    /** The grant the service made for this token, or a 409 saying why there is no proof. */
    Grant verified(String actId, String outTradeNo) {
        if (actId == null) {
            throw notApplicable("the break names no account: there is no token to prove");
        }
        Map<String, String> hash = redis.sync().hgetall(keys.token(actId, outTradeNo));
        if (hash.isEmpty()) {
            throw notApplicable("Redis holds no token " + outTradeNo + " of " + actId
                    + " any more: nothing proves the grant");
        }
        Grant grant;
        try {
            grant = TokenHash.grantOf(hash);
        } catch (RuntimeException e) {
            throw notApplicable("GRANT_PROOF_MISSING: the token hash lacks grant fields ("
                    + e.getMessage() + ")");
        }
        try {
            proof.verify(grant, hash.get(TokenHash.GRANT_PROOF));
        } catch (GrantRejectedException e) {
            throw notApplicable(e.reason() + ": " + e.getMessage());
        }
        if (!grant.outTradeNo().equals(outTradeNo) || !grant.actId().equals(actId)) {
            throw notApplicable("the proven grant is " + grant.outTradeNo() + " of "
                    + grant.actId() + ", not this break's token");
        }
        return grant;
    }

    static ApiException notApplicable(String detail) {
        return new ApiException(HttpStatus.CONFLICT, ErrorCode.JOURNAL_NOT_APPLICABLE, detail);
    }
}
