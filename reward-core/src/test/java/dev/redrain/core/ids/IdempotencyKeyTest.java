package dev.redrain.core.ids;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redrain.core.activity.Stage;
import org.junit.jupiter.api.Test;

class IdempotencyKeyTest {
    @Test
    void hasThePublishedLayout() {
        IdempotencyKey key = new IdempotencyKey("A100", "scene-7", "rain-3", "CASH", Stage.FORMAL);
        assertThat(key.value()).isEqualTo("A100_scene-7_rain-3_CASH_FORMAL");
    }

    @Test
    void parsesBackIncludingAStageWithAnUnderscore() {
        IdempotencyKey key = new IdempotencyKey("A1", "s", "r", "COUPON", Stage.INTERNAL_TEST);
        assertThat(key.value()).isEqualTo("A1_s_r_COUPON_INTERNAL_TEST");
        assertThat(IdempotencyKey.parse(key.value())).isEqualTo(key);
    }

    @Test
    void refusesPartsThatWouldMakeTheKeyAmbiguous() {
        assertThatThrownBy(() -> new IdempotencyKey("A_1", "s", "r", "CASH", Stage.GRAY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("actId");
        assertThatThrownBy(() -> new IdempotencyKey("A1", "s:1", "r", "CASH", Stage.GRAY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sceneId");
        assertThatThrownBy(() -> new IdempotencyKey("A1", "s", "", "CASH", Stage.GRAY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rainId");
        assertThatThrownBy(() -> IdempotencyKey.parse("A1_s_r_CASH"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
