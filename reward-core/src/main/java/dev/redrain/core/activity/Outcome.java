package dev.redrain.core.activity;

/** What a grab produced. */
public enum Outcome {
    /** The requested template's budget paid the award. */
    AWARDED,
    /** The requested template was exhausted; a template further down its fallback chain paid. */
    FALLBACK,
    /** Nothing was left anywhere in the chain; no money moved and no token exists. */
    EMPTY
}
