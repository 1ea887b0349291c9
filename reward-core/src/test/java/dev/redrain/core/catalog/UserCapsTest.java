package dev.redrain.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UserCapsTest {
    @Test
    void eachCapBoundsItsOwnCounter() {
        UserCaps caps = new UserCaps(3, 100, 2, 50);
        assertThat(caps.admit(UserCaps.Granted.NONE, 50)).isTrue();
        assertThat(caps.admit(UserCaps.Granted.NONE, 51)).as("daily amount").isFalse();
        assertThat(caps.admit(new UserCaps.Granted(2, 60, 1, 10), 40)).isTrue();
        assertThat(caps.admit(new UserCaps.Granted(2, 61, 0, 0), 40)).as("amount").isFalse();
        assertThat(caps.admit(new UserCaps.Granted(3, 0, 0, 0), 1)).as("count").isFalse();
        assertThat(caps.admit(new UserCaps.Granted(1, 0, 2, 0), 1)).as("daily count").isFalse();
    }

    @Test
    void reachedMeansNoAwardAtAllCanFit() {
        UserCaps caps = new UserCaps(0, 100, 0, 0);
        assertThat(caps.reached(new UserCaps.Granted(5, 99, 5, 99))).isFalse();
        assertThat(caps.reached(new UserCaps.Granted(5, 100, 5, 100))).isTrue();
        assertThat(UserCaps.NONE.any()).isFalse();
        assertThat(UserCaps.NONE.reached(new UserCaps.Granted(1_000, 1_000_000, 1_000, 1)))
                .isFalse();
        assertThat(new UserCaps(0, 0, 1, 0).any()).isTrue();
    }

    @Test
    void aCapIsPositiveOrNone() {
        assertThatThrownBy(() -> new UserCaps(-1, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
