package dev.redrain.core.token;

import static dev.redrain.core.token.TokenFixtures.cashToken;
import static dev.redrain.core.token.TokenFixtures.ring;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.redrain.core.token.TokenRejectedException.Reason;
import java.util.Base64;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenCodecTest {
    private static final String OWNER = "A1000001";
    private static final String OUT_TRADE_NO = "202611252030151230007K2M9QX4TB";

    private final TokenCodec codec = new TokenCodec(ring("k2", "k1", "k2"));

    @Test
    void roundTripsEveryField() throws TokenRejectedException {
        RedPacketToken token = cashToken(OWNER, OUT_TRADE_NO);
        String sealed = codec.seal(token);
        assertThat(sealed).matches("[A-Za-z0-9_-]+").hasSizeLessThan(256);
        assertThat(codec.open(sealed, OWNER)).isEqualTo(token);
    }

    @Test
    void sealingTwiceGivesDifferentStringsForTheSameToken() {
        RedPacketToken token = cashToken(OWNER, OUT_TRADE_NO);
        assertThat(codec.seal(token)).isNotEqualTo(codec.seal(token));
    }

    @Test
    void anotherUsersTokenIsNotAuthentic() {
        String sealed = codec.seal(cashToken(OWNER, OUT_TRADE_NO));
        assertRejected(sealed, "A1000002", Reason.NOT_AUTHENTIC);
        assertRejected(sealed, null, Reason.NOT_AUTHENTIC);
    }

    @Test
    void oldTokensStayReadableAfterRotationAndNewOnesUseTheNewKey()
            throws TokenRejectedException {
        TokenCodec before = new TokenCodec(ring("k1", "k1"));
        String old = before.seal(cashToken(OWNER, OUT_TRADE_NO));
        TokenCodec rotated = new TokenCodec(ring("k2", "k1", "k2"));
        assertThat(rotated.open(old, OWNER).outTradeNo()).isEqualTo(OUT_TRADE_NO);
        String fresh = rotated.seal(cashToken(OWNER, OUT_TRADE_NO));
        assertRejected(before, fresh, OWNER, Reason.UNKNOWN_KEY);
        TokenCodec retired = new TokenCodec(ring("k2", "k2"));
        assertRejected(retired, old, OWNER, Reason.UNKNOWN_KEY);
    }

    @Test
    void aForeignKeyUnderAKnownIdIsNotAuthentic() {
        TokenKeyRing impostor = TokenKeyRing.of(java.util.Map.of("k2", TokenFixtures.key(99)), "k2");
        String forged = new TokenCodec(impostor).seal(cashToken(OWNER, OUT_TRADE_NO));
        assertRejected(forged, OWNER, Reason.NOT_AUTHENTIC);
    }

    @Test
    void everySingleBitFlipIsRejected() {
        byte[] bytes = decode(codec.seal(cashToken(OWNER, OUT_TRADE_NO)));
        for (int i = 0; i < bytes.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] flipped = bytes.clone();
                flipped[i] ^= (byte) (1 << bit);
                assertNeverOpens(encode(flipped));
            }
        }
    }

    @Test
    void truncatedAndExtendedTokensAreRejected() {
        String sealed = codec.seal(cashToken(OWNER, OUT_TRADE_NO));
        for (int length = 0; length < sealed.length(); length++) {
            assertNeverOpens(sealed.substring(0, length));
        }
        assertNeverOpens(sealed + "A");
        assertNeverOpens(encode(concat(decode(sealed), new byte[] {0})));
    }

    @Test
    void reEncodedSpellingsOfAValidTokenAreRejected() {
        String sealed = codec.seal(cashToken(OWNER, OUT_TRADE_NO));
        byte[] bytes = decode(sealed);
        String padded = Base64.getUrlEncoder().encodeToString(bytes);
        String standard = Base64.getEncoder().withoutPadding().encodeToString(bytes);
        if (!padded.equals(sealed)) {
            assertRejected(padded, OWNER, Reason.MALFORMED);
        }
        if (!standard.equals(sealed)) {
            assertRejected(standard, OWNER, Reason.MALFORMED);
        }
        assertRejected(" " + sealed, OWNER, Reason.MALFORMED);
        assertRejected(sealed + "\n", OWNER, Reason.MALFORMED);
    }

    @Test
    void anUnknownFormatVersionIsRejected() {
        byte[] bytes = decode(codec.seal(cashToken(OWNER, OUT_TRADE_NO)));
        bytes[0] = 2;
        assertRejected(encode(bytes), OWNER, Reason.UNSUPPORTED_VERSION);
    }

    @Test
    void oversizedInputIsRejectedBeforeDecoding() {
        assertRejected("A".repeat(TokenCodec.ENCODED_LENGTH_MAX + 1), OWNER, Reason.MALFORMED);
        assertRejected("", OWNER, Reason.MALFORMED);
        assertRejected(null, OWNER, Reason.MALFORMED);
    }

    /**
     * The fuzz corpus: 12,000 random mutations of valid tokens (bit flips, byte substitutions,
     * insertions, deletions, splices of two tokens, header rewrites) and 4,000 random strings.
     * None may open; every one must fail with the typed rejection.
     */
    @Test
    void noMutationOrRandomStringEverOpens() {
        Random random = new Random(20261125L);
        Set<String> valid = new HashSet<>();
        String[] seeds = new String[32];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = codec.seal(cashToken("A" + (1_000_000 + i), OUT_TRADE_NO));
            valid.add(seeds[i]);
        }
        int tried = 0;
        for (int i = 0; i < 12_000; i++) {
            int seed = random.nextInt(seeds.length);
            String mutated = mutate(random, seeds[seed], seeds[random.nextInt(seeds.length)]);
            if (valid.contains(mutated)) {
                continue;
            }
            assertNeverOpens(mutated, "A" + (1_000_000 + seed));
            tried++;
        }
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. ";
        for (int i = 0; i < 4_000; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(300);
            for (int c = 0; c < length; c++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            assertNeverOpens(text.toString());
            tried++;
        }
        assertThat(tried).isGreaterThanOrEqualTo(10_000);
    }

    private static String mutate(Random random, String sealed, String other) {
        byte[] bytes = decode(sealed);
        switch (random.nextInt(6)) {
            case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
            case 1 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            case 2 -> {
                int at = random.nextInt(bytes.length);
                byte[] longer = new byte[bytes.length + 1];
                System.arraycopy(bytes, 0, longer, 0, at);
                longer[at] = (byte) random.nextInt(256);
                System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
                bytes = longer;
            }
            case 3 -> {
                int at = random.nextInt(bytes.length);
                byte[] shorter = new byte[bytes.length - 1];
                System.arraycopy(bytes, 0, shorter, 0, at);
                System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                bytes = shorter;
            }
            case 4 -> {
                byte[] second = decode(other);
                int cut = 1 + random.nextInt(Math.min(bytes.length, second.length) - 1);
                System.arraycopy(second, cut, bytes, cut, Math.min(bytes.length, second.length) - cut);
                if (java.util.Arrays.equals(bytes, second)) {
                    bytes[0] ^= 1;
                }
            }
            default -> bytes[1 + random.nextInt(3)] = (byte) random.nextInt(256);
        }
        String encoded = encode(bytes);
        if (random.nextInt(10) == 0) {
            int at = random.nextInt(encoded.length());
            encoded = encoded.substring(0, at) + "=+/ ".charAt(random.nextInt(4))
                    + encoded.substring(at);
        }
        return encoded;
    }

    private void assertNeverOpens(String candidate) {
        assertNeverOpens(candidate, OWNER);
    }

    private void assertNeverOpens(String candidate, String owner) {
        try {
            RedPacketToken opened = codec.open(candidate, owner);
            fail("a mutated token opened: " + candidate + " -> " + opened);
        } catch (TokenRejectedException expected) {
            assertThat(expected.reason()).isNotNull();
        }
    }

    private void assertRejected(String candidate, String owner, Reason reason) {
        assertRejected(codec, candidate, owner, reason);
    }

    private static void assertRejected(TokenCodec codec, String candidate, String owner,
            Reason reason) {
        assertThatThrownBy(() -> codec.open(candidate, owner))
                .isInstanceOf(TokenRejectedException.class)
                .satisfies(e -> assertThat(((TokenRejectedException) e).reason()).isEqualTo(reason));
    }

    private static byte[] decode(String sealed) {
        return Base64.getUrlDecoder().decode(sealed);
    }

    private static String encode(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
