package dev.redrain.testsupport;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/** Short unique names for per-test databases, Redis namespaces and Kafka topics. */
final class TestNames {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int BASE_LENGTH_MAX = 24;

    private TestNames() {
    }

    static String unique(String prefix, String base) {
        String cleaned = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        if (cleaned.length() > BASE_LENGTH_MAX) {
            cleaned = cleaned.substring(cleaned.length() - BASE_LENGTH_MAX);
        }
        return prefix + cleaned + "_" + randomSuffix();
    }

    static String randomSuffix() {
        byte[] suffix = new byte[4];
        RANDOM.nextBytes(suffix);
        return HexFormat.of().formatHex(suffix);
    }
}
