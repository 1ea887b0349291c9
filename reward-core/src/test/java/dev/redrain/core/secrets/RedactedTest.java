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
}
