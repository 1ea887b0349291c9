package dev.redrain.issuance.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IssuancePropertiesTest {
    @Test
    void printingTheSettingsShowsNoSecret() {
        IssuanceProperties properties = new IssuanceProperties("redis://:redis-s3cret@h:6379",
                "rd", "k:9092", "redrain.", "Asia/Shanghai", "k1:a2V5LXMzY3JldA==", "k1",
                Map.of("douyin", new IssuanceProperties.App("app-s3cret-0123456789abcdef012345",
                        "old-s3cret-0123456789abcdef0123456", "bytedance")),
                Map.of("ops", new IssuanceProperties.Admin("0".repeat(64), "OPERATOR")),
                Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofDays(8));
        String printed = properties.toString();
        assertThat(printed).doesNotContain("s3cret").doesNotContain("a2V5")
                .doesNotContain("0".repeat(64)).contains("douyin").contains("ops")
                .contains("tokenActiveKeyId=k1");
    }
}
