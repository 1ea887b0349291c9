package dev.redrain.settlement;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.Map;

/**
 * When a disagreement is a timing item rather than a break. A night's cut-off is the end of its
 * business date on the channel's clock (the channel's bill for the day covers up to it). A
 * category with a grace period gives each item first seen on a night until that night's cut-off
 * plus the grace: until then it is EXPECTED (its counterpart may still arrive, for example on the
 * next morning's bill), and the first night whose cut-off reaches it makes it a break. Pure.
 *
 * @param grace per category; a category not named has none (a break at once)
 * @param zone the channel's zone, whose midnight ends a business date
 */
record Timing(Map<Break.Category, Duration> grace, ZoneId zone) {
    static final Timing NONE = new Timing(Map.of(), ZoneId.of("Asia/Shanghai"));

    Timing {
        grace = grace.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(grace));
        grace.forEach((category, duration) -> {
            if (duration.isNegative()) {
                throw new IllegalArgumentException("the grace of " + category
                        + " must not be negative");
            }
        });
    }

    /** The end of {@code night}'s business date: the next day's midnight in the zone. */
    Instant cutOff(LocalDate night) {
        return night.plusDays(1).atStartOfDay(zone).toInstant();
    }

    /** Until when an item of this category first seen on {@code night} is expected; null: none. */
    Instant expectedUntil(Break.Category category, LocalDate night) {
        Duration duration = grace.getOrDefault(category, Duration.ZERO);
        return duration.isZero() ? null : cutOff(night).plus(duration);
    }

    /** Whether an item expected until {@code expectedUntil} is still expected on {@code night}. */
    boolean stillExpected(Instant expectedUntil, LocalDate night) {
        return expectedUntil != null && expectedUntil.isAfter(cutOff(night));
    }
}
