package dev.redrain.core.catalog;

/** How a template sizes each award. */
public enum AmountRule {
    /** Every award is {@code fixedAmountMinor}. */
    FIXED,
    /** Uniform in [min, max]; the last awards of a budget may be smaller, so every fen goes. */
    UNIFORM,
    /** The budget split ahead of time into {@code poolPacketCount} packets. */
    POOL
}
