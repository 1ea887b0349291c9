package dev.redrain.core.money;

/** Arithmetic or comparison between two assets: always a bug in the caller. */
public final class CurrencyMismatchException extends IllegalArgumentException {
    public CurrencyMismatchException(String left, String right) {
        super("cannot combine " + left + " with " + right);
    }
}
