package dev.redrain.core.token;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.money.Money;
import dev.redrain.core.token.TokenRejectedException.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals a {@link RedPacketToken} into a compact URL-safe string and opens it again: AES-256-GCM
 * with a random 96-bit nonce, the owner's actId bound as associated data, so a token lifted from
 * one user decrypts for nobody else.
 *
 * <p>Wire form, base64url without padding:
 * <pre>
 *   version(1) | keyIdLength(1) | keyId | nonce(12) | ciphertext | tag(16)
 * </pre>
 * The associated data is {@code version | keyIdLength | keyId | actId}: the header cannot be
 * swapped either. {@link #open} returns a token only when every check passed; anything else is a
 * {@link TokenRejectedException} with a {@link Reason}, never a JCE exception and never a partly
 * decoded token. A string is accepted only in its one canonical encoding.
 *
 * <p>Random nonces bound how much one key may seal: rotate well before 2^32 tokens per key
 * (runbooks/key-rotation.md). Thread-safe.
 */
public final class TokenCodec {
    public static final byte FORMAT_VERSION = 1;
    /** Longer strings are rejected before any decoding work. */
    public static final int ENCODED_LENGTH_MAX = 1024;
    private static final int NONCE_LENGTH_BYTES = 12;
    private static final int TAG_LENGTH_BITS = 128;
    private static final int TAG_LENGTH_BYTES = TAG_LENGTH_BITS / 8;
    private static final int FIELD_LENGTH_MAX = 64;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(TokenCodec::newCipher);

    private final TokenKeyRing keyRing;
    /**
     * A SecureRandom per thread: one shared instance serialises every grab's nonce on its lock
     * (the grab benchmark showed the threads queueing there).
     */
    private final ThreadLocal<SecureRandom> random;

    public TokenCodec(TokenKeyRing keyRing) {
        this(keyRing, ThreadLocal.withInitial(SecureRandom::new));
    }

    TokenCodec(TokenKeyRing keyRing, SecureRandom random) {
        this(keyRing, ThreadLocal.withInitial(() -> Objects.requireNonNull(random, "random")));
    }

    private TokenCodec(TokenKeyRing keyRing, ThreadLocal<SecureRandom> random) {
        this.keyRing = Objects.requireNonNull(keyRing, "keyRing");
        this.random = random;
    }

    /** Seals {@code token} under the ring's active key. */
    public String seal(RedPacketToken token) {
        byte[] header = header(keyRing.activeKeyId());
        byte[] nonce = new byte[NONCE_LENGTH_BYTES];
        random.get().nextBytes(nonce);
        byte[] plaintext = serialize(token);
        byte[] sealed;
        try {
            Cipher cipher = CIPHERS.get();
            cipher.init(Cipher.ENCRYPT_MODE, keyRing.activeKey(),
                    new GCMParameterSpec(TAG_LENGTH_BITS, nonce));
            cipher.updateAAD(associatedData(header, token.actId()));
            sealed = cipher.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable or misconfigured", e);
        }
        ByteBuffer out = ByteBuffer.allocate(header.length + nonce.length + sealed.length);
        out.put(header).put(nonce).put(sealed);
        return ENCODER.encodeToString(out.array());
    }

    /**
     * Opens a token string presented by {@code ownerActId}.
     *
     * @throws TokenRejectedException when the string is not a genuine token of that owner
     */
    public RedPacketToken open(String encoded, String ownerActId) throws TokenRejectedException {
        byte[] bytes = decodeCanonical(encoded);
        if (bytes.length < 2) {
            throw rejected(Reason.MALFORMED, "too short");
        }
        if (bytes[0] != FORMAT_VERSION) {
            throw rejected(Reason.UNSUPPORTED_VERSION, "format version " + bytes[0]);
        }
        int keyIdLength = bytes[1] & 0xFF;
        int offset = 2 + keyIdLength;
        if (bytes.length < offset + NONCE_LENGTH_BYTES + TAG_LENGTH_BYTES) {
            throw rejected(Reason.MALFORMED, "too short");
        }
        String keyId = new String(bytes, 2, keyIdLength, StandardCharsets.US_ASCII);
        if (!TokenKeyRing.isKeyId(keyId)) {
            throw rejected(Reason.MALFORMED, "bad key id");
        }
        SecretKey key = keyRing.key(keyId)
                .orElseThrow(() -> rejected(Reason.UNKNOWN_KEY, "unknown key id " + keyId));
        if (ownerActId == null) {
            throw rejected(Reason.NOT_AUTHENTIC, "no owner");
        }
        byte[] header = Arrays.copyOfRange(bytes, 0, offset);
        byte[] plaintext = decrypt(key, header, bytes, offset, ownerActId);
        RedPacketToken token = deserialize(plaintext);
        if (!token.actId().equals(ownerActId)) {
            // Unreachable unless a token was sealed with associated data that disagrees with
            // its own content; refuse it all the same.
            throw rejected(Reason.NOT_AUTHENTIC, "owner mismatch");
        }
        return token;
    }

    private static byte[] decodeCanonical(String encoded) throws TokenRejectedException {
        if (encoded == null || encoded.isEmpty()) {
            throw rejected(Reason.MALFORMED, "empty");
        }
        if (encoded.length() > ENCODED_LENGTH_MAX) {
            throw rejected(Reason.MALFORMED, "longer than " + ENCODED_LENGTH_MAX);
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(encoded);
        } catch (IllegalArgumentException e) {
            throw rejected(Reason.MALFORMED, "not base64url");
        }
        // Padding, stray bits in the last character or another alphabet would give a second
        // spelling of the same token; only the one this codec writes is accepted.
        if (!ENCODER.encodeToString(bytes).equals(encoded)) {
            throw rejected(Reason.MALFORMED, "not canonical base64url");
        }
        return bytes;
    }

    private static byte[] decrypt(SecretKey key, byte[] header, byte[] bytes, int offset,
            String ownerActId) throws TokenRejectedException {
        try {
            Cipher cipher = CIPHERS.get();
            cipher.init(Cipher.DECRYPT_MODE, key,
                    new GCMParameterSpec(TAG_LENGTH_BITS, bytes, offset, NONCE_LENGTH_BYTES));
            cipher.updateAAD(associatedData(header, ownerActId));
            int cipherOffset = offset + NONCE_LENGTH_BYTES;
            return cipher.doFinal(bytes, cipherOffset, bytes.length - cipherOffset);
        } catch (AEADBadTagException e) {
            throw rejected(Reason.NOT_AUTHENTIC, "authentication failed");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable or misconfigured", e);
        }
    }

    private static byte[] header(String keyId) {
        byte[] id = keyId.getBytes(StandardCharsets.US_ASCII);
        byte[] header = new byte[2 + id.length];
        header[0] = FORMAT_VERSION;
        header[1] = (byte) id.length;
        System.arraycopy(id, 0, header, 2, id.length);
        return header;
    }

    private static byte[] associatedData(byte[] header, String actId) {
        byte[] owner = actId.getBytes(StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOf(header, header.length + owner.length);
        System.arraycopy(owner, 0, data, header.length, owner.length);
        return data;
    }

    private static byte[] serialize(RedPacketToken token) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(160);
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.writeUTF(token.appId());
            out.writeUTF(token.actId());
            out.writeUTF(token.activityId());
            out.writeUTF(token.sceneId());
            out.writeUTF(token.rainId());
            out.writeUTF(token.awardType());
            out.writeByte(token.stage().code());
            out.writeLong(token.amount().amountMinor());
            out.writeUTF(token.amount().currency());
            out.writeUTF(token.outTradeNo());
            out.writeLong(token.openTime().toEpochMilli());
            out.writeByte(token.status().code());
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return buffer.toByteArray();
    }

    private static RedPacketToken deserialize(byte[] plaintext) throws TokenRejectedException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(plaintext))) {
            String appId = readField(in);
            String actId = readField(in);
            String activityId = readField(in);
            String sceneId = readField(in);
            String rainId = readField(in);
            String awardType = readField(in);
            Stage stage = Stage.fromCode(in.readByte());
            long amountMinor = in.readLong();
            String currency = readField(in);
            String outTradeNo = readField(in);
            Instant openTime = Instant.ofEpochMilli(in.readLong());
            TokenStatus status = TokenStatus.fromCode(in.readByte());
            if (in.available() != 0) {
                throw rejected(Reason.MALFORMED, "trailing bytes");
            }
            return new RedPacketToken(appId, actId, activityId, sceneId, rainId, awardType, stage,
                    Money.of(amountMinor, currency), outTradeNo, openTime, status);
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            // Authentic bytes that do not parse were sealed by a different build of the format.
            throw rejected(Reason.MALFORMED, "authentic but unreadable: " + e.getMessage());
        }
    }

    private static String readField(DataInputStream in) throws IOException {
        String value = in.readUTF();
        if (value.length() > FIELD_LENGTH_MAX) {
            throw new IOException("field longer than " + FIELD_LENGTH_MAX);
        }
        return value;
    }

    private static TokenRejectedException rejected(Reason reason, String message) {
        return new TokenRejectedException(reason, message);
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance(TRANSFORMATION);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }
}
