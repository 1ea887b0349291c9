package dev.redrain.core.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.redrain.core.event.EventDecodingException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * The one serde for Redrain's events, used by the service and every job. JSON, with the type
 * and schema version in each record:
 *
 * <pre>{"type":"TokenIssued","schemaVersion":1,"eventId":"...",...}</pre>
 *
 * Strict where it matters for money: no duplicate keys, no trailing data, no numbers as strings,
 * no floats for integer fields, every field present (nullable ones as null). Unknown extra
 * fields are ignored, so adding a field is compatible within a schema version; removing or
 * changing one means a new version. Thread-safe.
 */
public final class EventSerde {
    /** Records larger than this are refused unparsed. */
    public static final int RECORD_SIZE_MAX_BYTES = 64 * 1024;
    static final String TYPE_FIELD = "type";
    static final String VERSION_FIELD = "schemaVersion";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();
    private static final Map<EventType, ObjectWriter> WRITERS = new EnumMap<>(EventType.class);
    /** {@code {"type":"...","schemaVersion":N,} for each type: the start of every record. */
    private static final Map<EventType, byte[]> HEADERS = new EnumMap<>(EventType.class);

    static {
        for (EventType type : EventType.values()) {
            WRITERS.put(type, MAPPER.writerFor(type.eventClass()));
            ObjectNode header = MAPPER.createObjectNode();
            header.put(TYPE_FIELD, type.wireName());
            header.put(VERSION_FIELD, type.schemaVersion());
            String json = header.toString();
            HEADERS.put(type, (json.substring(0, json.length() - 1) + ",")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    public byte[] serialize(RedrainEvent event) {
        EventType type = EventType.of(event);
        byte[] body;
        try {
            body = WRITERS.get(type).writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an event that passed its own checks must serialize",
                    e);
        }
        // The header goes in front of the event's own fields by splicing bytes: building a tree
        // first cost a grab more CPU than its AES-GCM token (docs/benchmarks.md).
        byte[] header = HEADERS.get(type);
        boolean empty = body.length == 2;
        byte[] record = new byte[header.length + body.length - 1 - (empty ? 1 : 0)];
        System.arraycopy(header, 0, record, 0, header.length - (empty ? 1 : 0));
        int at = header.length - (empty ? 1 : 0);
        System.arraycopy(body, 1, record, at, body.length - 1);
        return record;
    }

    /** Decodes a record of any known type. */
    public RedrainEvent deserialize(byte[] record) throws EventDecodingException {
        if (record == null) {
            throw new EventDecodingException(Reason.MALFORMED, "null record", null);
        }
        if (record.length > RECORD_SIZE_MAX_BYTES) {
            throw new EventDecodingException(Reason.TOO_LARGE,
                    record.length + " bytes > " + RECORD_SIZE_MAX_BYTES, null);
        }
        ObjectNode node = parseObject(record);
        EventType type = readType(node);
        readVersion(node, type);
        node.remove(TYPE_FIELD);
        node.remove(VERSION_FIELD);
        try {
            return MAPPER.treeToValue(node, type.eventClass());
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new EventDecodingException(Reason.INVALID, cause.getMessage(), e);
        } catch (MismatchedInputException e) {
            throw new EventDecodingException(Reason.INVALID, e.getOriginalMessage(), e);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new EventDecodingException(Reason.INVALID, e.getMessage(), e);
        }
    }

    /** Decodes a record that must be of {@code expected} type. */
    public <T extends RedrainEvent> T deserialize(byte[] record, Class<T> expected)
            throws EventDecodingException {
        RedrainEvent event = deserialize(record);
        if (!expected.isInstance(event)) {
            throw new EventDecodingException(Reason.UNEXPECTED_TYPE, "expected "
                    + expected.getSimpleName() + ", got " + event.getClass().getSimpleName(), null);
        }
        return expected.cast(event);
    }

    private static ObjectNode parseObject(byte[] record) throws EventDecodingException {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(record);
        } catch (IOException e) {
            throw new EventDecodingException(Reason.MALFORMED, "not JSON: "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage()
                            : e.getMessage()), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new EventDecodingException(Reason.MALFORMED, "not a JSON object", null);
        }
        return (ObjectNode) tree;
    }

    private static EventType readType(ObjectNode node) throws EventDecodingException {
        JsonNode typeNode = node.get(TYPE_FIELD);
        EventType type = typeNode != null && typeNode.isTextual()
                ? EventType.ofWireName(typeNode.textValue()) : null;
        if (type == null) {
            throw new EventDecodingException(Reason.UNKNOWN_TYPE, "type " + typeNode, null);
        }
        return type;
    }

    private static void readVersion(ObjectNode node, EventType type)
            throws EventDecodingException {
        JsonNode version = node.get(VERSION_FIELD);
        if (version == null || !version.isIntegralNumber()
                || version.asLong() != type.schemaVersion()) {
            throw new EventDecodingException(Reason.UNSUPPORTED_VERSION, type.wireName()
                    + " schemaVersion " + version + ", this build reads " + type.schemaVersion(),
                    null);
        }
    }
}
