package dev.redrain.core.event;

import static dev.redrain.core.event.EventFixtures.awarded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redrain.core.event.EventDecodingException.Reason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventSerdeTest {
    private static final String OUT_TRADE_NO = "202611252030151230007K2M9QX4TB";
    private final EventSerde serde = new EventSerde();

    @Test
    void everyEventTypeRoundTrips() throws EventDecodingException {
        for (RedrainEvent event : new RedrainEvent[] {awarded(OUT_TRADE_NO, "A1", 888),
                EventFixtures.empty("A2"), EventFixtures.credited(OUT_TRADE_NO),
                EventFixtures.thresholdAlert()}) {
            assertThat(serde.deserialize(serde.serialize(event))).isEqualTo(event);
        }
    }

    @Test
    void theWireFormCarriesTypeAndSchemaVersionFirst() {
        String json = text(serde.serialize(awarded(OUT_TRADE_NO, "A1", 888)));
        assertThat(json).startsWith("{\"type\":\"TokenIssued\",\"schemaVersion\":1,");
        assertThat(json).contains("\"amountMinor\":888", "\"currency\":\"CNY\"",
                "\"issuedAt\":\"2026-11-25T12:30:15.123Z\"", "\"businessDate\":\"2026-11-25\"");
    }

    @Test
    void eachRecordIsTheHeaderThenExactlyTheEventsOwnFields() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper plain = new com.fasterxml.jackson.databind
                .ObjectMapper().findAndRegisterModules().disable(com.fasterxml.jackson.databind
                        .SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        for (RedrainEvent event : new RedrainEvent[] {awarded(OUT_TRADE_NO, "A1", 888),
                EventFixtures.empty("A2"), EventFixtures.credited(OUT_TRADE_NO),
                EventFixtures.thresholdAlert()}) {
            var record = (com.fasterxml.jackson.databind.node.ObjectNode) plain.readTree(
                    serde.serialize(event));
            EventType type = EventType.of(event);
            assertThat(record.remove("type").textValue()).isEqualTo(type.wireName());
            assertThat(record.remove("schemaVersion").intValue()).isEqualTo(type.schemaVersion());
            assertThat(record).isEqualTo(plain.readTree(plain.writeValueAsBytes(event)));
        }
    }

    @Test
    void aTypedReadOfAnotherTypeIsRefused() {
        byte[] credited = serde.serialize(EventFixtures.credited(OUT_TRADE_NO));
        assertReason(() -> serde.deserialize(credited, TokenIssued.class), Reason.UNEXPECTED_TYPE);
    }

    @Test
    void garbageIsMalformed() {
        assertReason("not json", Reason.MALFORMED);
        assertReason("[1,2]", Reason.MALFORMED);
        assertReason("", Reason.MALFORMED);
        assertReason(validJson() + "{}", Reason.MALFORMED);
        assertReason(validJson().replace("\"currency\":\"CNY\"",
                "\"currency\":\"CNY\",\"currency\":\"PTS\""), Reason.MALFORMED);
        assertReason(() -> serde.deserialize(null), Reason.MALFORMED);
    }

    @Test
    void unknownTypesAndVersionsAreNamedAsSuch() {
        assertReason(validJson().replace("TokenIssued", "TokenBurned"), Reason.UNKNOWN_TYPE);
        assertReason(validJson().replace("\"type\":\"TokenIssued\",", ""), Reason.UNKNOWN_TYPE);
        assertReason(validJson().replace("\"schemaVersion\":1", "\"schemaVersion\":2"),
                Reason.UNSUPPORTED_VERSION);
        assertReason(validJson().replace("\"schemaVersion\":1", "\"schemaVersion\":\"1\""),
                Reason.UNSUPPORTED_VERSION);
    }

    @Test
    void badFieldsAreInvalid() {
        assertReason(validJson().replace("\"amountMinor\":888", "\"amountMinor\":-5"), Reason.INVALID);
        assertReason(validJson().replace("\"amountMinor\":888", "\"amountMinor\":0"), Reason.INVALID);
        assertReason(validJson().replace("\"amountMinor\":888", "\"amountMinor\":\"888\""),
                Reason.INVALID);
        assertReason(validJson().replace("\"amountMinor\":888", "\"amountMinor\":8.88"),
                Reason.INVALID);
        assertReason(validJson().replace("\"amountMinor\":888",
                "\"amountMinor\":99999999999999999999"), Reason.INVALID);
        assertReason(validJson().replace("\"amountMinor\":888,", ""), Reason.INVALID);
        assertReason(validJson().replace("\"currency\":\"CNY\"", "\"currency\":null"), Reason.INVALID);
        assertReason(validJson().replace("\"stage\":\"FORMAL\"", "\"stage\":\"PROD\""), Reason.INVALID);
        assertReason(validJson().replace("\"actId\":\"A1\"", "\"actId\":\"A1' OR 1=1\""),
                Reason.INVALID);
    }

    @Test
    void unknownExtraFieldsAreIgnoredSoAddingAFieldIsCompatible() throws EventDecodingException {
        String withExtra = validJson().replace("\"currency\":\"CNY\"",
                "\"currency\":\"CNY\",\"campaignColour\":\"red\"");
        assertThat(serde.deserialize(bytes(withExtra))).isEqualTo(awarded(OUT_TRADE_NO, "A1", 888));
    }

    @Test
    void oversizedRecordsAreRefusedUnparsed() {
        byte[] huge = new byte[EventSerde.RECORD_SIZE_MAX_BYTES + 1];
        assertReason(() -> serde.deserialize(huge), Reason.TOO_LARGE);
    }

    private String validJson() {
        return text(serde.serialize(awarded(OUT_TRADE_NO, "A1", 888)));
    }

    private void assertReason(String json, Reason reason) {
        assertReason(() -> serde.deserialize(bytes(json)), reason);
    }

    private static void assertReason(org.assertj.core.api.ThrowableAssert.ThrowingCallable call,
            Reason reason) {
        assertThatThrownBy(call).isInstanceOf(EventDecodingException.class)
                .satisfies(e -> assertThat(((EventDecodingException) e).reason()).isEqualTo(reason));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
