package dev.redrain.core.ids;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentifiersTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "Z", "0", "spring-2027.formal", "A1b2-C3.d4", "-", "."})
    void acceptsLettersDigitsDashAndDot(String id) {
        assertThat(Identifiers.isValid(id)).isTrue();
        assertThat(Identifiers.require("id", id)).isSameAs(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a_b", "a:b", "{a}", "a b", "a/b", "é", "a\u0000", "a\n",
        "'; DROP TABLE x; --", "\uff21"})
    void refusesEverythingElse(String id) {
        assertThat(Identifiers.isValid(id)).isFalse();
        assertThatThrownBy(() -> Identifiers.require("sceneId", id))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("sceneId must be 1-64 characters");
    }

    @Test
    void boundsTheLength() {
        assertThat(Identifiers.isValid("x".repeat(64))).isTrue();
        assertThat(Identifiers.isValid("x".repeat(65))).isFalse();
        assertThat(Identifiers.isValid(null)).isFalse();
        assertThatThrownBy(() -> Identifiers.require("actId", "y".repeat(100)))
                .hasMessageEndingWith("y".repeat(64) + "...'");
    }
}
