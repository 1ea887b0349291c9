package dev.redrain.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An app's client of the issuance service's app API. Every request is signed
 * ({@link RequestSigner}) with a fresh timestamp and nonce, so a retry is a new request of the
 * same operation. Grabs and withdrawals are idempotent on the service (a grab per user, rain,
 * scene and award type; a withdrawal per requestId), so a request that got no answer, or a
 * 503, 429, GRAB_IN_PROGRESS or WITHDRAWAL_IN_PROGRESS, is sent again: after the Retry-After
 * the service asked for, else after an exponential backoff with jitter. Other refusals are
 * thrown at once as {@link RedrainException}s by their code. Won tokens are kept
 * ({@link #tokens()}) and presented at withdrawal. Thread-safe.
 */
public final class RedrainClient {
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
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

    private record Bound(String actId) {
    }

    /**
     * One try of an operation, for the caller's own metrics and logs: where it went, how long
     * it took, and the status and problem code it got ({@code status} 0 and a code of
     * TIMEOUT, NO_CONNECTION or NO_ANSWER when no answer came; a null code for a 2xx).
     */
    public record Attempt(String method, String pathAndQuery, int number, URI endpoint,
            long tookMs, int status, String code, String detail) {
        public boolean answered() {
            return status != 0;
        }
    }

    /** Hears every try, on the calling thread; it must not throw. */
    @FunctionalInterface
    public interface AttemptListener {
        void onAttempt(Attempt attempt);
    }

    private final List<URI> endpoints;
    private final AtomicInteger nextEndpoint = new AtomicInteger();
    private final String appId;
    private final String secret;
    private final HttpClient http;
    private final Duration timeout;
    private final int attemptsMax;
    private final Duration backoff;
    private final Duration backoffMax;
    private final TokenKeeper tokens;
    private final AttemptListener listener;

    private RedrainClient(Builder builder) {
        this.endpoints = builder.baseUrls.stream().map(url -> URI.create(url.endsWith("/") ? url
                : url + "/")).toList();
        this.appId = builder.appId;
        this.secret = builder.secret;
        this.timeout = builder.timeout;
        this.attemptsMax = builder.attemptsMax;
        this.backoff = builder.backoff;
        this.backoffMax = builder.backoffMax;
        this.tokens = builder.tokens;
        this.listener = builder.listener;
        this.http = HttpClient.newBuilder().connectTimeout(builder.connectTimeout)
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    /** A client of the service at {@code baseUrl} for the app {@code appId}. */
    public static Builder builder(String baseUrl, String appId, String secret) {
        return new Builder(baseUrl, appId, secret);
    }

    public String appId() {
        return appId;
    }

    /** The tokens this client's users won and have not withdrawn yet. */
    public TokenKeeper tokens() {
        return tokens;
    }

    /** The account-center id (actId) of this app's user: the same person in every app. */
    public String bind(String userId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("appId", appId);
        body.put("userId", userId);
        return call("POST", "v1/accounts/bind", body, Bound.class).actId();
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
        int index = Math.floorMod(nextEndpoint.getAndIncrement(), endpoints.size());
        int unreachableInARow = 0;
        for (int attempt = 1; ; attempt++) {
            URI endpoint = endpoints.get(index % endpoints.size());
            long startedNanos = System.nanoTime();
            Duration wait;
            try {
                HttpResponse<byte[]> response = http.send(signed(endpoint, method, pathAndQuery,
                        bytes), HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() / 100 == 2) {
                    heard(method, pathAndQuery, attempt, endpoint, startedNanos,
                            response.statusCode(), null, "");
                    return JSON.readValue(response.body(), type);
                }
                unreachableInARow = 0;
                RedrainException refusal = problem(response);
                heard(method, pathAndQuery, attempt, endpoint, startedNanos, refusal.status(),
                        refusal.code(), refusal.detail());
                if (!(refusal instanceof RedrainException.Unavailable) || attempt >= attemptsMax) {
                    throw refusal;
                }
                Duration asked = refusal.retryAfter().orElse(null);
                wait = asked == null ? backoff(attempt) : asked.compareTo(RETRY_AFTER_MAX) > 0
                        ? RETRY_AFTER_MAX : asked;
            } catch (IOException noAnswer) {
                String code = noAnswer instanceof HttpTimeoutException ? "TIMEOUT"
                        : noAnswer instanceof ConnectException ? "NO_CONNECTION" : "NO_ANSWER";
                heard(method, pathAndQuery, attempt, endpoint, startedNanos, 0, code,
                        String.valueOf(noAnswer));
                if (attempt >= attemptsMax) {
                    throw new RedrainException.Unavailable(0, code, method + " /"
                            + pathAndQuery + ": " + noAnswer, null);
                }
                // Nothing listens there (an instance is down): the next one is tried at once,
                // as a load balancer would, until each has been. One that took the request and
                // went quiet may be busy, so the next try waits.
                if (noAnswer instanceof ConnectException) {
                    index++;
                    unreachableInARow++;
                } else {
                    unreachableInARow = 0;
                }
                wait = unreachableInARow > 0 && unreachableInARow < endpoints.size()
                        ? Duration.ZERO : backoff(attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RedrainException.Unavailable(0, "INTERRUPTED", e.toString(), null);
            }
            sleep(wait);
        }
    }

    private void heard(String method, String pathAndQuery, int attempt, URI endpoint,
            long startedNanos, int status, String code, String detail) {
        listener.onAttempt(new Attempt(method, pathAndQuery, attempt, endpoint,
                (System.nanoTime() - startedNanos) / 1_000_000, status, code, detail));
    }

    private HttpRequest signed(URI endpoint, String method, String pathAndQuery, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve(pathAndQuery))
                .timeout(timeout).header("Content-Type", "application/json")
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        RequestSigner.headers(appId, secret, method, "/" + pathAndQuery, body)
                .forEach(request::header);
        return request.build();
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
        if (wait.isZero()) {
            return;
        }
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
        private final List<String> baseUrls = new ArrayList<>();
        private final String appId;
        private final String secret;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration timeout = Duration.ofSeconds(5);
        private int attemptsMax = 4;
        private Duration backoff = Duration.ofMillis(100);
        private Duration backoffMax = Duration.ofSeconds(2);
        private TokenKeeper tokens = new TokenKeeper();
        private AttemptListener listener = attempt -> { };

        private Builder(String baseUrl, String appId, String secret) {
            this.baseUrls.add(baseUrl);
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

        /**
         * Further instances of the same service, for a caller with no load balancer in front:
         * operations start at each in turn, and a try that cannot connect moves to the next.
         */
        public Builder alsoAt(List<String> otherBaseUrls) {
            this.baseUrls.addAll(otherBaseUrls);
            return this;
        }

        /**
         * Where won tokens are kept (default: this client's own). Apps of one account center
         * that share a wallet backend share one, so a withdrawal through any of them presents
         * every token the user won.
         */
        public Builder tokens(TokenKeeper keeper) {
            this.tokens = keeper;
            return this;
        }

        /** Hears every try (default: nobody). */
        public Builder listener(AttemptListener listener) {
            this.listener = listener;
            return this;
        }

        public RedrainClient build() {
            return new RedrainClient(this);
        }
    }
}
