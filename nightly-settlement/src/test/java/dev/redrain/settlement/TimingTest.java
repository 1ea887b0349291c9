package dev.redrain.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redrain.settlement.Break.Category;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimingTest {
    private static final LocalDate NIGHT = LocalDate.of(2026, 11, 25);
    private final Timing timing = new Timing(Map.of(Category.CREDITED_NOT_PAID,
            Duration.ofDays(1)), ZoneId.of("Asia/Shanghai"));

    @Test
    void aNightEndsAtTheChannelsMidnight() {
        assertThat(timing.cutOff(NIGHT)).isEqualTo(Instant.parse("2026-11-25T16:00:00Z"));
    }

    @Test
    void anItemWithAGraceIsExpectedUntilTheNextNightsCutOff() {
        Instant until = timing.expectedUntil(Category.CREDITED_NOT_PAID, NIGHT);
        assertThat(until).isEqualTo(timing.cutOff(NIGHT.plusDays(1)));
        assertThat(timing.stillExpected(until, NIGHT)).isTrue();
        assertThat(timing.stillExpected(until, NIGHT.plusDays(1))).isFalse();
    }

    @Test
    void aCategoryWithoutAGraceIsABreakAtOnce() {
        assertThat(timing.expectedUntil(Category.AMOUNT_MISMATCH, NIGHT)).isNull();
        assertThat(Timing.NONE.expectedUntil(Category.CREDITED_NOT_PAID, NIGHT)).isNull();
        assertThat(timing.stillExpected(null, NIGHT)).isFalse();
    }

    @Test
    void aNegativeGraceIsRefused() {
        assertThatThrownBy(() -> new Timing(Map.of(Category.CREDITED_NOT_PAID,
                Duration.ofHours(-1)), ZoneId.of("UTC"))).hasMessageContaining("negative");
    }
}
