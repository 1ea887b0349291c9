package dev.redrain.issuance.web;

import dev.redrain.core.ids.Identifiers;

/** Field checks that answer 400 INVALID_FIELD naming the field. */
public final class Validation {
    private Validation() {
    }

    public static String id(String field, String value) {
        if (value == null) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, field + " is required");
        }
        if (!Identifiers.isValid(value)) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, field + " must be 1-"
                    + Identifiers.LENGTH_MAX + " characters of A-Z, a-z, 0-9, '-' and '.'");
        }
        return value;
    }

    public static String optionalId(String field, String value) {
        return value == null ? null : id(field, value);
    }
}
