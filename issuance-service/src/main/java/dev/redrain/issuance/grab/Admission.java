package dev.redrain.issuance.grab;

import dev.redrain.core.catalog.Activity;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Who a stage admits. INTERNAL_TEST: the allow-list only. GRAY: the allow-list plus a stable
 * share of all actIds (the same actId is in or out on every instance and every day, and
 * raising the percentage only adds people). FORMAL: everyone.
 */
final class Admission {
    private Admission() {
    }

    static boolean admits(Activity parent, Activity child, String actId) {
        boolean listed = child.allowList().contains(actId) || parent.allowList().contains(actId);
        return switch (child.stage()) {
            case INTERNAL_TEST -> listed;
            case GRAY -> listed || bucket(actId) < child.grayPercent();
            case FORMAL -> true;
        };
    }

    /** 0-99, stable for an actId. */
    static int bucket(String actId) {
        CRC32 crc = new CRC32();
        crc.update(actId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % 100);
    }
}
