package dev.redrain.core.event;

/** An event Redrain's parts exchange over Kafka. Serialized only through {@link EventSerde}. */
public sealed interface RedrainEvent permits TokenIssued, TokenCredited, BudgetAlert {
    /** A unique id of this event, for consumers that deduplicate. */
    String eventId();
}
