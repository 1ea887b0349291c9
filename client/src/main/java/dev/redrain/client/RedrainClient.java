package dev.redrain.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An app's client of the issuance service's app API. Every request is signed
 * ({@link RequestSigner}) with a fresh timestamp and nonce, so a retry is a new request of the
 * same operation. Grabs and withdrawals are idempotent on the service (a grab per user, rain,
 * scene and award type; a withdrawal per requestId), so a request that got no answer, or a
 * 503, 429 or WITHDRAWAL_IN_PROGRESS, is sent again: after the Retry-After the service asked
 * for, else after an exponential backoff with jitter. Other refusals are thrown at once as
 * {@link RedrainException}s by their code. Won tokens are kept ({@link #tokens()}) and
 * presented at withdrawal. Thread-safe.
 */
public final class RedrainClient {
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final SecureRandom NONCES = new SecureRandom();
    private static final Duration RETRY_AFTER_MAX = Duration.ofSeconds(30);

    /** What a grab answered; {@code award}, {@code token} and {@code outTradeNo} are null for EMPTY. */
    public record Grab(String outcome, Award award, String token, String outTradeNo,
            String actId) {
    }

    public record Award(String type, long amountMinor, String currency) {
    }

    public record Balance(String actId, String currency, long availableMinor, long pendingMinor,
            int pendingTokens) {
    }

    public record Withdrawal(long withdrawalId, String actId, String requestId, String status,
            long amountMinor, String currency, String channelRef, String failureReason,
            int creditedTokens) {
    }

    private final URI base;
    private final String appId;
    private final String secret;
    private final HttpClient http;
    private final Duration timeout;
    private final int attemptsMax;
    private final Duration backoff;
    private final Duration backoffMax;
    private final TokenKeeper tokens = new TokenKeeper();

    private RedrainClient(Builder builder) {
        this.base = URI.create(builder.baseUrl.endsWith("/") ? builder.baseUrl
                : builder.baseUrl + "/");
        this.appId = builder.appId;
        this.secret = builder.secret;
        this.timeout = builder.timeout;
        this.attemptsMax = builder.attemptsMax;
        this.backoff = builder.backoff;
        this.backoffMax = builder.backoffMax;
        this.http = HttpClient.newBuilder().connectTimeout(builder.connectTimeout)
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    /** A client of the service at {@code baseUrl} for the app {@code appId}. */
    public static Builder builder(String baseUrl, String appId, String secret) {
        return new Builder(baseUrl, appId, secret);
    }

    /** The tokens this client's users won and have not withdrawn yet. */
    public TokenKeeper tokens() {
        return tokens;
    }

    /** Taps a rain; a won token is kept for the user's withdrawal. */
    public Grab grab(String userId, String activityId, String sceneId, String rainId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("appId", appId);
        body.put("userId", userId);
        body.put("activityId", activityId);
        body.put("sceneId", sceneId);
        body.put("rainId", rainId);
        Grab grab = call("POST", "v1/grab", body, Grab.class);
        tokens.keep(grab);
        return grab;
    }

    /** The user's balance of an asset: credited, and won but not credited yet. */
    public Balance wallet(String actId, String currency) {
        return call("GET", "v1/wallet/" + segment(actId) + "?currency=" + segment(currency),
                null, Balance.class);
    }

    /**
     * Withdraws cash, presenting the user's kept tokens; the same {@code requestId} is the same
     * withdrawal however often it is sent. Tokens are forgotten once the money moved.
     */
    public Withdrawal withdraw(String actId, String requestId, long amountMinor) {
        List<String> presented = tokens.tokens(actId);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("requestId", requestId);
        body.put("amountMinor", amountMinor);
        body.put("tokens", presented);
        Withdrawal withdrawal = call("POST", "v1/wallet/" + segment(actId) + "/withdrawals",
                body, Withdrawal.class);
        if (!"PAYOUT_FAILED".equals(withdrawal.status())) {
            tokens.spent(actId, presented);
        }
        return withdrawal;
    }

    private <T> T call(String method, String pathAndQuery, Object body, Class<T> type) {
        byte[] bytes;
        try {
            bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + body, e);
        }
        for (int attempt = 1; ; attempt++) {
            Duration wait;
            try {
                HttpResponse<byte[]> response = http.send(signed(method, pathAndQuery, bytes),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() / 100 == 2) {
                    return JSON.readValue(response.body(), type);
                }
                RedrainException refusal = problem(response);
                if (!(refusal instanceof RedrainException.Unavailable) || attempt >= attemptsMax) {
                    throw refusal;
                }
                Duration asked = refusal.retryAfter().orElse(null);
                wait = asked == null ? backoff(attempt) : asked.compareTo(RETRY_AFTER_MAX) > 0
                        ? RETRY_AFTER_MAX : asked;
            } catch (IOException noAnswer) {
                if (attempt >= attemptsMax) {
                    throw new RedrainException.Unavailable(0, "NO_ANSWER", method + " /"
                            + pathAndQuery + ": " + noAnswer, null);
                }
                wait = backoff(attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RedrainException.Unavailable(0, "INTERRUPTED", e.toString(), null);
            }
            sleep(wait);
        }
    }

    private HttpRequest signed(String method, String pathAndQuery, byte[] body) {
        String timestamp = Long.toString(System.currentTimeMillis());
        byte[] random = new byte[16];
        NONCES.nextBytes(random);
        String nonce = HexFormat.of().formatHex(random);
        String signature = RequestSigner.sign(secret, method, "/" + pathAndQuery, timestamp,
                nonce, body);
        return HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("X-App-Id", appId).header("X-Timestamp", timestamp)
                .header("X-Nonce", nonce).header("X-Signature", signature)
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private static RedrainException problem(HttpResponse<byte[]> response) {
        Duration retryAfter = response.headers().firstValue("Retry-After").flatMap(
                RedrainClient::seconds).orElse(null);
        String code = "HTTP_" + response.statusCode();
        String detail = new String(response.body(), StandardCharsets.UTF_8);
        try {
            JsonNode problem = JSON.readTree(response.body());
            if (problem != null && problem.hasNonNull("code")) {
                code = problem.get("code").asText();
                detail = problem.path("detail").asText("");
            }
        } catch (IOException notAProblem) {
            // a proxy's page, not the service's: the status and the text say what there is
        }
        return RedrainException.of(response.statusCode(), code, detail, retryAfter);
    }

    private static Optional<Duration> seconds(String header) {
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim()))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Exponential, capped, with full jitter, so retrying clients spread out. */
    private Duration backoff(int attempt) {
        long ceilingMs = Math.min(backoffMax.toMillis(), backoff.toMillis() << Math.min(20,
                attempt - 1));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceilingMs / 2,
                ceilingMs + 1));
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedrainException.Unavailable(0, "INTERRUPTED", e.toString(), null);
        }
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** How the client talks: timeouts, and how often and how patiently it retries. */
    public static final class Builder {
        private final String baseUrl;
        private final String appId;
        private final String secret;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration timeout = Duration.ofSeconds(5);
        private int attemptsMax = 4;
        private Duration backoff = Duration.ofMillis(100);
        private Duration backoffMax = Duration.ofSeconds(2);

        private Builder(String baseUrl, String appId, String secret) {
            this.baseUrl = baseUrl;
            this.appId = appId;
            this.secret = secret;
        }

        /** Per request, the service's own deadlines included (default 5 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /** Tries of one operation, the first included (default 4). */
        public Builder attempts(int attemptsMax) {
            if (attemptsMax < 1) {
                throw new IllegalArgumentException("attempts must be 1 or more");
            }
            this.attemptsMax = attemptsMax;
            return this;
        }

        /** The first pause between tries, doubled each time up to {@code max}. */
        public Builder backoff(Duration first, Duration max) {
            this.backoff = first;
            this.backoffMax = max;
            return this;
        }

        public RedrainClient build() {
            return new RedrainClient(this);
        }
    }
}
