package dev.redrain.core.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class TokenKeyRingTest {
    private static final String KEY_1 = Base64.getEncoder().encodeToString(TokenFixtures.key(1));
    private static final String KEY_2 = Base64.getEncoder().encodeToString(TokenFixtures.key(2));

    @Test
    void parsesTheConfiguredForm() {
        TokenKeyRing ring = TokenKeyRing.parse("2026-11:" + KEY_2 + ", 2026-10:" + KEY_1, "2026-11");
        assertThat(ring.keyIds()).containsExactly("2026-11", "2026-10");
        assertThat(ring.activeKeyId()).isEqualTo("2026-11");
    }

    @Test
    void neverPrintsKeyMaterial() {
        TokenKeyRing ring = TokenKeyRing.parse("k1:" + KEY_1, "k1");
        assertThat(ring.toString()).doesNotContain(KEY_1).contains("k1");
    }

    @Test
    void refusesBadConfiguration() {
        assertThatThrownBy(() -> TokenKeyRing.parse("k1:" + KEY_1, "k2"))
                .hasMessageContaining("not in the key ring");
        assertThatThrownBy(() -> TokenKeyRing.parse("k1:AAAA", "k1")).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> TokenKeyRing.parse("k1:" + KEY_1 + ",k1:" + KEY_2, "k1"))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> TokenKeyRing.parse("k 1:" + KEY_1, "k 1"))
                .hasMessageContaining("bad token key id");
        assertThatThrownBy(() -> TokenKeyRing.parse("k1:!!", "k1")).hasMessageContaining("base64");
        assertThatThrownBy(() -> TokenKeyRing.parse(null, "k1")).isInstanceOf(NullPointerException.class);
    }
}
