package dev.redrain.core.event;

/** The event types on the wire, with the schema version this build writes and reads. */
public enum EventType {
    TOKEN_ISSUED("TokenIssued", 1, TokenIssued.class),
    TOKEN_CREDITED("TokenCredited", 1, TokenCredited.class),
    BUDGET_ALERT("BudgetAlert", 1, BudgetAlert.class);

    private final String wireName;
    private final int schemaVersion;
    private final Class<? extends RedrainEvent> eventClass;

    EventType(String wireName, int schemaVersion, Class<? extends RedrainEvent> eventClass) {
        this.wireName = wireName;
        this.schemaVersion = schemaVersion;
        this.eventClass = eventClass;
    }

    public String wireName() {
        return wireName;
    }

    public int schemaVersion() {
        return schemaVersion;
    }

    public Class<? extends RedrainEvent> eventClass() {
        return eventClass;
    }

    static EventType ofWireName(String name) {
        for (EventType type : values()) {
            if (type.wireName.equals(name)) {
                return type;
            }
        }
        return null;
    }

    static EventType of(RedrainEvent event) {
        for (EventType type : values()) {
            if (type.eventClass.isInstance(event)) {
                return type;
            }
        }
        throw new IllegalStateException("no event type for " + event.getClass());
    }
}
