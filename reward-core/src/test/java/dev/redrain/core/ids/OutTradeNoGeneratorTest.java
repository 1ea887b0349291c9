package dev.redrain.core.ids;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OutTradeNoGeneratorTest {
    private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
    /** 2026-11-25 20:30:15.123 in Shanghai. */
    private static final Instant RAIN_START = Instant.parse("2026-11-25T12:30:15.123Z");

    @Test
    void carriesTheBusinessDateAndTimeInTheBusinessZone() {
        OutTradeNoGenerator generator = new OutTradeNoGenerator(
                Clock.fixed(RAIN_START, ZoneOffset.UTC), SHANGHAI, "7K2M9QX4TB");
        String id = generator.next();
        assertThat(id).isEqualTo("20261125203015123000" + "7K2M9QX4TB");
        assertThat(id).hasSize(OutTradeNoGenerator.LENGTH);
        assertThat(OutTradeNoGenerator.isWellFormed(id)).isTrue();
        assertThat(OutTradeNoGenerator.businessDate(id)).isEqualTo(LocalDate.of(2026, 11, 25));
        assertThat(OutTradeNoGenerator.issuedAt(id, SHANGHAI)).isEqualTo(RAIN_START);
        assertThat(Identifiers.isValid(id)).isTrue();
    }

    @Test
    void staysStrictlyIncreasingWhenTheClockStandsStillOrStepsBack() {
        AtomicLong now = new AtomicLong(RAIN_START.toEpochMilli());
        Clock clock = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        OutTradeNoGenerator generator = new OutTradeNoGenerator(clock, SHANGHAI, "0000000001");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            ids.add(generator.next());
            if (i == 1_200) {
                now.addAndGet(-5_000);
            }
        }
        for (int i = 1; i < ids.size(); i++) {
            assertThat(ids.get(i)).isGreaterThan(ids.get(i - 1));
        }
    }

    @Test
    void instancesIssuingAtOnceNeverCollide() throws InterruptedException {
        Clock clock = Clock.fixed(RAIN_START, ZoneOffset.UTC);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        int perThread = 5_000;
        for (int instance = 0; instance < 4; instance++) {
            OutTradeNoGenerator generator = OutTradeNoGenerator.withRandomInstance(clock, SHANGHAI);
            for (int t = 0; t < 2; t++) {
                Thread thread = new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        seen.add(generator.next());
                    }
                });
                thread.start();
                threads.add(thread);
            }
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(seen).hasSize(threads.size() * perThread);
    }

    @Test
    void rejectsWhatItDidNotMake() {
        assertThat(OutTradeNoGenerator.isWellFormed("2026112520301512300O7K2M9QX4T")).isFalse();
        assertThat(OutTradeNoGenerator.isWellFormed(null)).isFalse();
        // Crockford base32 has no I, L, O or U; the date part is digits only.
        assertThat(OutTradeNoGenerator.isWellFormed("20261125203015123000" + "7K2M9QX4TI")).isFalse();
        assertThat(OutTradeNoGenerator.isWellFormed("2026112520301512300A" + "7K2M9QX4TB")).isFalse();
        assertThat(OutTradeNoGenerator.isWellFormed("20261125203015123000" + "7K2M9QX4TBX")).isFalse();
        assertThatThrownBy(() -> OutTradeNoGenerator.businessDate(
                "20261345203015123000" + "7K2M9QX4TB")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OutTradeNoGenerator.businessDate("nope"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OutTradeNoGenerator(Clock.systemUTC(), SHANGHAI, "lower"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
