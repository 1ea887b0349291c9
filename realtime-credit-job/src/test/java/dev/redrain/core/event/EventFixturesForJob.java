package dev.redrain.core.event;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.ledger.CreditSource;
import java.time.Instant;

/** An event of the wrong type for the token-issued topic. */
public final class EventFixturesForJob {
    private EventFixturesForJob() {
    }

    public static byte[] creditedBytes() {
        return new EventSerde().serialize(new TokenCredited("cr-1", "202611252030151230007K2M9QX4TB",
                "A1", "spring-2027-formal", Stage.FORMAL, "CASH", 5, "CNY", 1, CreditSource.STREAM,
                Instant.parse("2026-11-25T12:00:00Z"), Instant.parse("2026-11-25T12:00:01Z")));
    }
}
