package dev.redrain.issuance.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.keys.RedisKeys;
import dev.redrain.client.RequestSigner;
import dev.redrain.issuance.config.IssuanceProperties;
import dev.redrain.testsupport.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * Found by the chaos suite: with Redis gone, recording a request's nonce threw out of the
 * filter and the client got a bare 500. A correctly signed request must get a retryable 503
 * problem (nothing changed), and must not reach the controllers.
 */
class SignatureFilterRedisDownITCase {
    private static final String SECRET = "test-secret-for-douyin-0123456789abcdef";

    @Test
    void aSignedRequestWhileRedisIsDownIsA503ProblemNotA500() throws Exception {
        IssuanceProperties properties = new IssuanceProperties(TestServices.redisUri(), "sfdown",
                "127.0.0.1:1", "p.", "Asia/Shanghai", null, null,
                Map.of("douyin", new IssuanceProperties.App(SECRET, null, "bytedance")),
                Map.of(), Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofDays(8));
        RedisClient client = RedisClient.create(TestServices.redisUri());
        StatefulRedisConnection<String, String> connection = client.connect();
        connection.close();
        try {
            SignatureFilter filter = new SignatureFilter(properties, connection,
                    new RedisKeys("sfdown"), Clock.systemUTC());
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            String timestamp = Long.toString(System.currentTimeMillis());
            String nonce = "nonce-0123456789abcdef";
            MockHttpServletRequest request = new MockHttpServletRequest("POST", "/v1/grab");
            request.setContent(body);
            request.addHeader(SignatureFilter.APP_ID, "douyin");
            request.addHeader(SignatureFilter.TIMESTAMP, timestamp);
            request.addHeader(SignatureFilter.NONCE, nonce);
            request.addHeader(SignatureFilter.SIGNATURE, RequestSigner.sign(SECRET, "POST",
                    "/v1/grab", timestamp, nonce, body));
            MockHttpServletResponse response = new MockHttpServletResponse();
            MockFilterChain chain = new MockFilterChain();

            filter.doFilter(request, response, chain);

            assertThat(response.getStatus()).isEqualTo(503);
            assertThat(response.getContentType()).startsWith("application/problem+json");
            assertThat(response.getContentAsString()).contains("\"code\":"
                    + "\"DEPENDENCY_UNAVAILABLE\"");
            assertThat(response.getHeader("Retry-After")).isEqualTo("1");
            assertThat(chain.getRequest()).as("the request went no further").isNull();
        } finally {
            client.shutdown();
        }
    }
}
