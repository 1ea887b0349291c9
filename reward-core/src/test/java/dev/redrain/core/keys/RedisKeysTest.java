package dev.redrain.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redrain.core.activity.Stage;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RedisKeysTest {
    private final RedisKeys keys = new RedisKeys("rd");

    @Test
    void aUsersGrabTokenAndPendingKeysShareOneClusterSlot() {
        int slot = slot(keys.grab("A1", "A1_s_r_CASH_FORMAL"));
        assertThat(slot(keys.token("A1", "202611252030151230007K2M9QX4TB"))).isEqualTo(slot);
        assertThat(slot(keys.pending("A1"))).isEqualTo(slot);
        assertThat(slot(keys.userRate("A1", 1_780_000_000L))).isEqualTo(slot);
        assertThat(slot(keys.pending("A2"))).isNotEqualTo(slot);
    }

    @Test
    void aBudgetShardsKeysShareASlotAndShardsSpreadAcrossSlots() {
        assertThat(slot(keys.budgetGranted("cash-888", 3)))
                .isEqualTo(slot(keys.budgetRemaining("cash-888", 3)))
                .isEqualTo(slot(keys.packetPool("cash-888", 3, "rain-1")));
        Set<Integer> slots = new HashSet<>();
        for (int shard = 0; shard < 16; shard++) {
            slots.add(slot(keys.budgetRemaining("cash-888", shard)));
        }
        assertThat(slots).hasSizeGreaterThan(12);
    }

    @Test
    void keysAreNamespacedAndRefuseIdsThatCouldEscapeTheirSlot() {
        assertThat(keys.token("A1", "202611252030151230007K2M9QX4TB"))
                .isEqualTo("rd:{u:A1}:tok:202611252030151230007K2M9QX4TB");
        assertThat(keys.sceneRate("act-1", Stage.GRAY, "s1", 10)).startsWith("rd:");
        assertThatThrownBy(() -> keys.pending("A1}x{")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RedisKeys("bad ns")).isInstanceOf(IllegalArgumentException.class);
    }

    /** Redis Cluster's key slot: CRC16 (XMODEM) of the hash tag, modulo 16384. */
    static int slot(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                key = key.substring(open + 1, close);
            }
        }
        int crc = 0;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            crc ^= (b & 0xFF) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
                crc &= 0xFFFF;
            }
        }
        return crc % 16384;
    }
}
