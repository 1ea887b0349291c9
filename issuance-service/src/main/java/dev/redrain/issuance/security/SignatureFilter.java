package dev.redrain.issuance.security;

import dev.redrain.core.keys.RedisKeys;
import dev.redrain.client.RequestSigner;
import dev.redrain.issuance.config.IssuanceProperties;
import dev.redrain.issuance.web.ErrorCode;
import dev.redrain.issuance.web.Problems;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Verifies the app signature of every {@code /v1/} request before anything reads or changes
 * state: known app, timestamp within the allowed skew, a valid HMAC over method, path,
 * timestamp, nonce and body, and a nonce not seen before (kept in Redis for twice the skew)
 * in a request signed after the nonce store's epoch (see {@link RedisKeys#nonceEpoch()}).
 * Every failure is 401 BAD_SIGNATURE with no state change (a bad signature does not even use
 * up its nonce). The verified appId is the only identity the controllers trust.
 */
@Component
@Order(1)
public class SignatureFilter extends OncePerRequestFilter {
    public static final String APP_ID = RequestSigner.APP_ID;
    public static final String TIMESTAMP = RequestSigner.TIMESTAMP;
    public static final String NONCE = RequestSigner.NONCE;
    public static final String SIGNATURE = RequestSigner.SIGNATURE;
    /** Largest body an app may send. */
    public static final int BODY_BYTES_MAX = 16 * 1024;
    private static final Pattern NONCE_FORMAT = Pattern.compile("[A-Za-z0-9_-]{16,64}");
    private static final Pattern TIMESTAMP_FORMAT = Pattern.compile("[0-9]{1,15}");
    private static final int SECRET_LENGTH_MIN = 32;
    /** A backstop only: every Redis command already has its own deadline (2 s by default). */
    private static final long NONCE_WAIT_MS_MAX = 10_000;

    private final IssuanceProperties properties;
    private final StatefulRedisConnection<String, String> redis;
    private final RedisKeys keys;
    private final Clock clock;

    SignatureFilter(IssuanceProperties properties, StatefulRedisConnection<String, String> redis,
            RedisKeys keys, Clock clock) {
        this.properties = properties;
        this.redis = redis;
        this.keys = keys;
        this.clock = clock;
        properties.apps().forEach((appId, app) -> {
            if (app.secret() == null || app.secret().length() < SECRET_LENGTH_MIN
                    || (app.previousSecret() != null
                            && app.previousSecret().length() < SECRET_LENGTH_MIN)) {
                throw new IllegalStateException("app " + appId + ": signing secrets must be at"
                        + " least " + SECRET_LENGTH_MIN + " characters");
            }
        });
        startNonceEpoch();
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !RoutedPath.isUnder(request, "/v1/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
            FilterChain chain) throws ServletException, IOException {
        byte[] body = request.getInputStream().readNBytes(BODY_BYTES_MAX + 1);
        if (body.length > BODY_BYTES_MAX) {
            Problems.write(request, response, HttpStatus.PAYLOAD_TOO_LARGE,
                    ErrorCode.PAYLOAD_TOO_LARGE, "the body is larger than " + BODY_BYTES_MAX
                            + " bytes", null);
            return;
        }
        String refusal;
        try {
            refusal = refusal(request, body);
        } catch (RedisException e) {
            // The nonce cannot be recorded, so the request cannot be told from a replay: refuse
            // it as a dependency outage (retryable, nothing changed), never as a 500.
            Problems.write(request, response, HttpStatus.SERVICE_UNAVAILABLE,
                    ErrorCode.DEPENDENCY_UNAVAILABLE, "Redis is unavailable; nothing was"
                            + " changed, retry shortly", Duration.ofSeconds(1));
            return;
        }
        if (refusal != null) {
            Problems.write(request, response, HttpStatus.UNAUTHORIZED, ErrorCode.BAD_SIGNATURE,
                    refusal, null);
            return;
        }
        request.setAttribute(SignedApp.ATTRIBUTE, request.getHeader(APP_ID));
        chain.doFilter(new CachedBodyRequest(request, body), response);
    }

    /** Why the request's signature is refused, or null when it verifies. */
    private String refusal(HttpServletRequest request, byte[] body) {
        String appId = request.getHeader(APP_ID);
        String timestamp = request.getHeader(TIMESTAMP);
        String nonce = request.getHeader(NONCE);
        String signature = request.getHeader(SIGNATURE);
        if (appId == null || timestamp == null || nonce == null || signature == null) {
            return "the X-App-Id, X-Timestamp, X-Nonce and X-Signature headers are required";
        }
        IssuanceProperties.App app = properties.apps().get(appId);
        if (app == null) {
            return "unknown app";
        }
        if (!TIMESTAMP_FORMAT.matcher(timestamp).matches()) {
            return "X-Timestamp must be epoch milliseconds";
        }
        long skewMs = Math.abs(clock.millis() - Long.parseLong(timestamp));
        if (skewMs > properties.signatureSkew().toMillis()) {
            return "X-Timestamp is outside the allowed clock skew";
        }
        if (!NONCE_FORMAT.matcher(nonce).matches()) {
            return "X-Nonce must be 16-64 characters of A-Z, a-z, 0-9, '_' and '-'";
        }
        String pathAndQuery = request.getQueryString() == null ? request.getRequestURI()
                : request.getRequestURI() + "?" + request.getQueryString();
        if (!verifies(app.secret(), request.getMethod(), pathAndQuery, timestamp, nonce, body,
                signature) && (app.previousSecret() == null || !verifies(app.previousSecret(),
                        request.getMethod(), pathAndQuery, timestamp, nonce, body, signature))) {
            return "the signature does not verify";
        }
        return nonceRefusal(appId, nonce, Long.parseLong(timestamp));
    }

    /**
     * Records the nonce, and refuses it when it was used before or when the request was signed
     * before the nonce store's epoch (Redis lost the nonces that could show it a replay). The
     * commands go out together, one round trip; a refused request's nonce is used up.
     */
    private String nonceRefusal(String appId, String nonce, long signedAtMs) {
        long nowMs = clock.millis();
        var async = redis.async();
        // SETNX then GET, not SET NX GET: Redis before 7.0 refuses NX with GET.
        async.setnx(keys.nonceEpoch(), Long.toString(nowMs));
        RedisFuture<String> epoch = async.get(keys.nonceEpoch());
        RedisFuture<String> fresh = async.set(keys.signatureNonce(appId, nonce), "1",
                SetArgs.Builder.nx().px(2 * properties.signatureSkew().toMillis()));
        long epochMs = epoch(await(epoch), nowMs);
        if (signedAtMs < epochMs) {
            return "signed before the nonce store's epoch (Redis lost the nonces that would"
                    + " show a replay); sign the request again";
        }
        if (!"OK".equals(await(fresh))) {
            return "the nonce was used before";
        }
        return null;
    }

    /** The stored epoch; none (lost again between the two commands) counts as now. */
    private static long epoch(String previous, long nowMs) {
        if (previous == null) {
            return nowMs;
        }
        try {
            return Long.parseLong(previous);
        } catch (NumberFormatException e) {
            // Not written by this filter: treat the store as starting now (refuses more, never
            // less).
            return nowMs;
        }
    }

    private <T> T await(RedisFuture<T> future) {
        try {
            return future.get(NONCE_WAIT_MS_MAX, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RedisException redis ? redis
                    : new RedisException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisException("interrupted waiting for Redis");
        } catch (TimeoutException e) {
            throw new RedisException("Redis did not answer the nonce check");
        }
    }

    /**
     * Starts the epoch with the service, and again within 200 ms of Redis losing it, so that
     * only requests signed in that moment before a loss are refused, not the first request to
     * arrive after it.
     */
    @Scheduled(fixedDelay = 200)
    void startNonceEpoch() {
        try {
            redis.sync().setnx(keys.nonceEpoch(), Long.toString(clock.millis()));
        } catch (RedisException e) {
            // Redis is down: the first request after it is back starts the epoch.
        }
    }

    private static boolean verifies(String secret, String method, String pathAndQuery,
            String timestamp, String nonce, byte[] body, String signature) {
        String expected = RequestSigner.sign(secret, method, pathAndQuery, timestamp, nonce,
                body);
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
    }

    /** The request with its body already read, so the controller reads the same bytes. */
    private static final class CachedBodyRequest extends HttpServletRequestWrapper {
        private final byte[] body;

        CachedBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() throws IOException {
                    return in.read();
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    return in.read(buffer, offset, length);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException();
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(),
                    StandardCharsets.UTF_8));
        }
    }
}
