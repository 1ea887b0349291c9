package dev.redrain.core.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactedTest {
    @Test
    void userInfoAndPasswordParametersNeverShow() {
        assertThat(Redacted.uri("redis://:s3cret@10.0.0.1:6379/0"))
                .isEqualTo("redis://***@10.0.0.1:6379/0");
        assertThat(Redacted.uri("rediss://user:s3cret@host:6380"))
                .isEqualTo("rediss://***@host:6380");
        assertThat(Redacted.uri("jdbc:mysql://db:3306/redrain?user=app&password=s3cret&ssl=1"))
                .isEqualTo("jdbc:mysql://db:3306/redrain?user=app&password=***&ssl=1")
                .doesNotContain("s3cret");
        assertThat(Redacted.uri("jdbc:mysql://app:s3cret@db/redrain"))
                .doesNotContain("s3cret");
        assertThat(Redacted.uri("redis://127.0.0.1:6379")).isEqualTo("redis://127.0.0.1:6379");
        assertThat(Redacted.uri(null)).isNull();
    }

    @Test
    void jobParametersShowNoSecret() {
        assertThat(Redacted.parameters(java.util.Map.of("jdbc.password", "s3cret",
                "redis.uri", "redis://:s3cret@h:6379",
                "jdbc.url", "jdbc:mysql://h/db?password=s3cret",
                "kafka.bootstrap", "k:9092", "token.keys-file", "/run/keys")))
                .doesNotContainKey("jdbc.password")
                .containsEntry("redis.uri", "redis://***@h:6379")
                .containsEntry("kafka.bootstrap", "k:9092")
                .containsEntry("token.keys-file", "/run/keys")
                .allSatisfy((name, value) -> assertThat(value).doesNotContain("s3cret"));
    }
}
