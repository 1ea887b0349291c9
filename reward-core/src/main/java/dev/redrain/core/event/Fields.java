package dev.redrain.core.event;

import java.util.Objects;

/** Small checks shared by the event records' constructors. */
final class Fields {
    private static final int TEXT_LENGTH_MAX = 512;

    private Fields() {
    }

    static String text(String field, String value) {
        Objects.requireNonNull(value, field);
        if (value.isBlank() || value.length() > TEXT_LENGTH_MAX) {
            throw new IllegalArgumentException(field + " must be 1-" + TEXT_LENGTH_MAX
                    + " characters");
        }
        return value;
    }

    static <T> T present(String field, T value) {
        return Objects.requireNonNull(value, field + " is required");
    }
}
