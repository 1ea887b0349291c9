package dev.redrain.issuance.budget;

/** Budget taken from one shard of a template for one award. */
public record Reservation(String templateId, int shard, long amountMinor) {
}
