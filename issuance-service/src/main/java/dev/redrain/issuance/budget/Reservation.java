package dev.redrain.issuance.budget;

/**
 * Budget taken from one shard of a template for one award.
 *
 * @param epoch the shard's load epoch when it was taken: a shard loaded again (a rebuild after
 *     Redis lost it) has counted this reservation as never taken, so it is not given back there
 * @param id this reservation's own id: a give-back is counted once however often it is sent
 */
public record Reservation(String templateId, int shard, long amountMinor, String epoch,
        String id) {
}
