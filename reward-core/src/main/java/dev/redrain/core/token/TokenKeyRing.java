package dev.redrain.core.token;

import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 keys tokens are sealed with, each under a key id. New tokens use the active key;
 * tokens sealed under any other key in the ring stay readable until that key is removed, which
 * is how keys rotate (runbooks/key-rotation.md). Keys come from configuration, never from code.
 *
 * <p>Configuration form: {@code id1:base64key,id2:base64key} with a separate active id. A key is
 * exactly 32 bytes; an id is 1-32 characters of A-Z, a-z, 0-9, '.', '-'.
 */
public final class TokenKeyRing {
    public static final int KEY_LENGTH_BYTES = 32;
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9.-]{1,32}");

    private final Map<String, SecretKey> keysById;
    /** The grant-proof MAC key derived from each token key ({@link GrantProof}). */
    private final Map<String, byte[]> proofKeysById;
    private final String activeKeyId;

    private TokenKeyRing(Map<String, SecretKey> keysById, String activeKeyId) {
        if (!keysById.containsKey(activeKeyId)) {
            throw new IllegalArgumentException(
                    "the active token key id '" + activeKeyId + "' is not in the key ring");
        }
        this.keysById = Collections.unmodifiableMap(keysById);
        Map<String, byte[]> proofKeys = new LinkedHashMap<>();
        keysById.forEach((id, key) -> proofKeys.put(id, GrantProof.deriveKey(key.getEncoded())));
        this.proofKeysById = Collections.unmodifiableMap(proofKeys);
        this.activeKeyId = activeKeyId;
    }

    /** Builds a ring from raw keys; the map's values are copied. */
    public static TokenKeyRing of(Map<String, byte[]> rawKeysById, String activeKeyId) {
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        rawKeysById.forEach((id, raw) -> keys.put(requireKeyId(id), toKey(id, raw)));
        return new TokenKeyRing(keys, activeKeyId);
    }

    /**
     * Parses a ring for a part that only opens tokens and verifies grant proofs, never seals or
     * signs: its first key is nominally active.
     */
    public static TokenKeyRing parseForVerifying(String keysSpec) {
        Objects.requireNonNull(keysSpec, "token keys are not configured");
        String first = keysSpec.split(",")[0].trim();
        int colon = first.indexOf(':');
        return parse(keysSpec, colon <= 0 ? first : first.substring(0, colon));
    }

    /** Parses {@code id1:base64key,id2:base64key}. */
    public static TokenKeyRing parse(String keysSpec, String activeKeyId) {
        Objects.requireNonNull(keysSpec, "token keys are not configured");
        Map<String, byte[]> raw = new LinkedHashMap<>();
        for (String entry : keysSpec.split(",")) {
            String trimmed = entry.trim();
            int colon = trimmed.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("a token key entry is id:base64key");
            }
            String id = trimmed.substring(0, colon);
            byte[] key;
            try {
                key = Base64.getDecoder().decode(trimmed.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("token key '" + id + "' is not base64", e);
            }
            if (raw.put(id, key) != null) {
                throw new IllegalArgumentException("token key id '" + id + "' appears twice");
            }
        }
        return of(raw, activeKeyId);
    }

    public String activeKeyId() {
        return activeKeyId;
    }

    SecretKey activeKey() {
        return keysById.get(activeKeyId);
    }

    Optional<SecretKey> key(String keyId) {
        return Optional.ofNullable(keysById.get(keyId));
    }

    Optional<byte[]> proofKey(String keyId) {
        return Optional.ofNullable(proofKeysById.get(keyId));
    }

    public Set<String> keyIds() {
        return keysById.keySet();
    }

    static boolean isKeyId(String keyId) {
        return keyId != null && KEY_ID.matcher(keyId).matches();
    }

    private static String requireKeyId(String keyId) {
        if (!isKeyId(keyId)) {
            throw new IllegalArgumentException("bad token key id '" + keyId + "'");
        }
        return keyId;
    }

    private static SecretKey toKey(String id, byte[] raw) {
        if (raw == null || raw.length != KEY_LENGTH_BYTES) {
            throw new IllegalArgumentException("token key '" + id + "' must be "
                    + KEY_LENGTH_BYTES + " bytes (AES-256)");
        }
        return new SecretKeySpec(raw.clone(), "AES");
    }

    /** Never prints key material. */
    @Override
    public String toString() {
        return "TokenKeyRing{keyIds=" + keysById.keySet() + ", active=" + activeKeyId + "}";
    }
}
