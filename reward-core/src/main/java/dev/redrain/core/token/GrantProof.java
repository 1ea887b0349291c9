package dev.redrain.core.token;

import dev.redrain.core.token.GrantRejectedException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies {@link Grant}s: HMAC-SHA256 over a canonical encoding of every field, under
 * a MAC key derived from a token key of the {@link TokenKeyRing} (the AES key itself is never
 * used for a second algorithm). Only holders of the ring, the issuance service and the parts
 * that check its grants, can make a proof; a proof names its key id, so rotation works as for
 * tokens: proofs made under an older key verify while that key is in the ring, and stop
 * verifying once it is removed.
 *
 * <p>Wire form: {@code g1.<keyId>.<base64url MAC, 43 characters>}. Thread-safe.
 */
public final class GrantProof {
    static final String PREFIX = "g1.";
    /** Domain label of the derived MAC key: a proof key is never a token key. */
    static final String DERIVATION_LABEL = "redrain grant proof v1";
    private static final String ALGORITHM = "HmacSHA256";
    private static final int PROOF_LENGTH_MAX = 128;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final ThreadLocal<Mac> MACS = ThreadLocal.withInitial(GrantProof::newMac);

    private final TokenKeyRing keyRing;

    public GrantProof(TokenKeyRing keyRing) {
        this.keyRing = Objects.requireNonNull(keyRing, "keyRing");
    }

    /** The proof of {@code grant} under the ring's active key. */
    public String sign(Grant grant) {
        String keyId = keyRing.activeKeyId();
        return PREFIX + keyId + "." + ENCODER.encodeToString(mac(keyRing.proofKey(keyId)
                .orElseThrow(), grant));
    }

    /**
     * Checks that {@code proof} was made by a holder of the ring for exactly {@code grant}.
     *
     * @throws GrantRejectedException when it was not
     */
    public void verify(Grant grant, String proof) throws GrantRejectedException {
        if (proof == null || proof.isEmpty()) {
            throw new GrantRejectedException(Reason.GRANT_PROOF_MISSING, "no grant proof");
        }
        if (proof.length() > PROOF_LENGTH_MAX || !proof.startsWith(PREFIX)) {
            throw new GrantRejectedException(Reason.GRANT_PROOF_MALFORMED,
                    "not a " + PREFIX + " grant proof");
        }
        // Key ids may hold '.', base64url never does: the MAC follows the last one.
        int dot = proof.lastIndexOf('.');
        if (dot < PREFIX.length()) {
            throw new GrantRejectedException(Reason.GRANT_PROOF_MALFORMED, "no key id");
        }
        String keyId = proof.substring(PREFIX.length(), dot);
        byte[] key = keyRing.proofKey(keyId).orElseThrow(() -> new GrantRejectedException(
                Reason.GRANT_PROOF_UNKNOWN_KEY, "unknown key id " + keyId));
        byte[] expected = ENCODER.encodeToString(mac(key, grant))
                .getBytes(StandardCharsets.US_ASCII);
        byte[] presented = proof.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, presented)) {
            throw new GrantRejectedException(Reason.GRANT_PROOF_NOT_AUTHENTIC,
                    "the grant proof does not match the grant's fields");
        }
    }

    /** Derives the MAC key of one token key. */
    static byte[] deriveKey(byte[] tokenKey) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(tokenKey, ALGORITHM));
            return mac.doFinal(DERIVATION_LABEL.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static byte[] mac(byte[] key, Grant grant) {
        try {
            Mac mac = MACS.get();
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return mac.doFinal(canonical(grant));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Length-prefixed fields in a fixed order: no two grants encode alike. */
    static byte[] canonical(Grant grant) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeUTF(PREFIX);
            out.writeUTF(grant.outTradeNo());
            out.writeUTF(grant.appId());
            out.writeUTF(grant.actId());
            out.writeUTF(grant.parentActivityId());
            out.writeUTF(grant.activityId());
            out.writeUTF(grant.stage().name());
            out.writeUTF(grant.sceneId());
            out.writeUTF(grant.rainId());
            out.writeUTF(grant.templateId());
            out.writeUTF(grant.awardType());
            out.writeLong(grant.amountMinor());
            out.writeUTF(grant.currency());
            out.writeLong(grant.issuedAtMs());
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return buffer.toByteArray();
    }

    private static Mac newMac() {
        try {
            return Mac.getInstance(ALGORITHM);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
