package dev.redrain.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's protocol against a real HTTP server that answers what each test scripts:
 * signatures, retries that wait what Retry-After says and repeat the same operation, typed
 * refusals, kept tokens. (Against the real service: issuance-service's ClientSdkITCase.)
 */
class RedrainClientTest {
    private static final String SECRET = "app-secret-0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Scripted(int status, String body, String retryAfter) {
    }

    private record Received(long atMs, String method, String path, String body, String nonce,
            String timestamp, String signature) {
    }

    private HttpServer server;
    private final Deque<Scripted> answers = new ArrayDeque<>();
    private final List<Received> received = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.createContext("/", this::answer);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private synchronized void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8);
            received.add(new Received(System.currentTimeMillis(), exchange.getRequestMethod(),
                    exchange.getRequestURI().toString(), body,
                    exchange.getRequestHeaders().getFirst("X-Nonce"),
                    exchange.getRequestHeaders().getFirst("X-Timestamp"),
                    exchange.getRequestHeaders().getFirst("X-Signature")));
            Scripted next = answers.isEmpty() ? new Scripted(500, "{}", null) : answers.pop();
            if (next.retryAfter() != null) {
                exchange.getResponseHeaders().set("Retry-After", next.retryAfter());
            }
            byte[] bytes = next.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(next.status(), bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private RedrainClient client() {
        return RedrainClient.builder("http://127.0.0.1:" + server.getAddress().getPort(),
                "douyin", SECRET).backoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
    }

    private static String problem(String code) {
        return "{\"type\":\"x\",\"title\":\"" + code + "\",\"status\":503,\"code\":\"" + code
                + "\",\"detail\":\"try later\"}";
    }

    private static final String WON = "{\"outcome\":\"AWARDED\",\"award\":{\"type\":\"CASH\","
            + "\"amountMinor\":188,\"currency\":\"CNY\"},\"token\":\"tok-1\",\"outTradeNo\":"
            + "\"20261203101010123000ABCDEFGHJK\",\"actId\":\"A1\"}";

    @Test
    void aRefusalToRetryIsSentAgainAfterItsRetryAfterAsANewlySignedRequest() throws Exception {
        answers.add(new Scripted(503, problem("DEPENDENCY_UNAVAILABLE"), "1"));
        answers.add(new Scripted(200, WON, null));
        RedrainClient.Grab grab = client().grab("u1", "spring", "scene-1", "rain-1");
        assertThat(grab.award().amountMinor()).isEqualTo(188);
        assertThat(received).hasSize(2);
        assertThat(received.get(1).atMs() - received.get(0).atMs())
                .as("waited the Retry-After").isGreaterThanOrEqualTo(950);
        assertThat(received.get(1).body()).as("the same grab").isEqualTo(received.get(0).body());
        assertThat(received.get(1).nonce()).isNotEqualTo(received.get(0).nonce());
        for (Received request : received) {
            assertThat(request.signature()).isEqualTo(RequestSigner.sign(SECRET, "POST",
                    "/v1/grab", request.timestamp(), request.nonce(),
                    request.body().getBytes(StandardCharsets.UTF_8)));
        }
        JsonNode body = JSON.readTree(received.get(0).body());
        assertThat(body.get("appId").asText()).isEqualTo("douyin");
        assertThat(body.get("rainId").asText()).isEqualTo("rain-1");
    }

    @Test
    void aRefusalIsThrownByItsCodeAtOnceAndRetriesEndWithTheLastRefusal() {
        answers.add(new Scripted(409, "{\"code\":\"INSUFFICIENT_BALANCE\",\"detail\":\"less"
                + " than 500\"}", null));
        assertThatThrownBy(() -> client().withdraw("A1", "w-1", 500))
                .isInstanceOf(RedrainException.InsufficientBalance.class)
                .hasMessageContaining("INSUFFICIENT_BALANCE");
        assertThat(received).hasSize(1);
        received.clear();
        for (int i = 0; i < 4; i++) {
            answers.add(new Scripted(503, problem("WALLET_READ_ONLY"), null));
        }
        assertThatThrownBy(() -> client().withdraw("A1", "w-2", 500))
                .isInstanceOfSatisfying(RedrainException.Unavailable.class, refused ->
                        assertThat(refused.code()).isEqualTo("WALLET_READ_ONLY"));
        assertThat(received).hasSize(4).extracting(Received::body).allMatch(body ->
                body.contains("\"requestId\":\"w-2\""));
        received.clear();
        answers.add(new Scripted(404, "<html>not the service</html>", null));
        assertThatThrownBy(() -> client().wallet("A1", "CNY"))
                .isInstanceOfSatisfying(RedrainException.class, refused ->
                        assertThat(refused.code()).isEqualTo("HTTP_404"));
        assertThat(received.get(0).path()).isEqualTo("/v1/wallet/A1?currency=CNY");
    }

    @Test
    void aWonTokenIsPresentedAtWithdrawalAndForgottenOnceTheMoneyMoved() throws Exception {
        RedrainClient client = client();
        answers.add(new Scripted(200, WON, null));
        client.grab("u1", "spring", "scene-1", "rain-1");
        assertThat(client.tokens().tokens("A1")).containsExactly("tok-1");
        answers.add(new Scripted(200, "{\"withdrawalId\":7,\"actId\":\"A1\",\"requestId\":"
                + "\"w-1\",\"status\":\"PAID\",\"amountMinor\":188,\"currency\":\"CNY\","
                + "\"creditedTokens\":1}", null));
        RedrainClient.Withdrawal paid = client.withdraw("A1", "w-1", 188);
        assertThat(paid.status()).isEqualTo("PAID");
        assertThat(JSON.readTree(received.get(1).body()).get("tokens").get(0).asText())
                .isEqualTo("tok-1");
        assertThat(client.tokens().tokens("A1")).isEmpty();
    }

    @Test
    void aDownInstanceIsSkippedAtOnceAndEveryTryIsHeard() throws Exception {
        int nothingListens;
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
            nothingListens = closed.getLocalPort();
        }
        List<RedrainClient.Attempt> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        RedrainClient client = RedrainClient.builder("http://127.0.0.1:" + nothingListens,
                "douyin", SECRET).alsoAt(List.of("http://127.0.0.1:"
                        + server.getAddress().getPort())).backoff(Duration.ofSeconds(5),
                                Duration.ofSeconds(5)).listener(heard::add).build();
        answers.add(new Scripted(409, "{\"code\":\"GRAB_IN_PROGRESS\",\"detail\":\"one at a"
                + " time\"}", "0"));
        answers.add(new Scripted(200, WON, null));
        long startedMs = System.currentTimeMillis();
        RedrainClient.Grab grab = client.grab("u1", "spring", "scene-1", "rain-1");
        assertThat(System.currentTimeMillis() - startedMs)
                .as("no backoff before the next instance, nor after a Retry-After of 0")
                .isLessThan(2_000);
        assertThat(grab.outcome()).isEqualTo("AWARDED");
        assertThat(heard).extracting(RedrainClient.Attempt::code)
                .containsExactly("NO_CONNECTION", "GRAB_IN_PROGRESS", null);
        assertThat(heard).extracting(RedrainClient.Attempt::answered)
                .containsExactly(false, true, true);
        assertThat(heard.get(0).endpoint().getPort()).isEqualTo(nothingListens);
        assertThat(heard.get(1).endpoint().getPort()).isEqualTo(server.getAddress().getPort());
        assertThat(received).hasSize(2);
    }

    @Test
    void appsOfOneAccountCenterSharingAKeeperPresentEveryTokenTheUserWon() throws Exception {
        TokenKeeper shared = new TokenKeeper();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        RedrainClient douyin = RedrainClient.builder(base, "douyin", SECRET).tokens(shared)
                .build();
        RedrainClient toutiao = RedrainClient.builder(base, "toutiao", SECRET).tokens(shared)
                .build();
        answers.add(new Scripted(200, "{\"actId\":\"A1\"}", null));
        assertThat(toutiao.bind("t-9")).isEqualTo("A1");
        assertThat(JSON.readTree(received.get(0).body()).get("appId").asText())
                .isEqualTo("toutiao");
        answers.add(new Scripted(200, WON, null));
        douyin.grab("u1", "spring", "scene-1", "rain-1");
        answers.add(new Scripted(200, "{\"withdrawalId\":8,\"actId\":\"A1\",\"requestId\":"
                + "\"w-9\",\"status\":\"PAID\",\"amountMinor\":188,\"currency\":\"CNY\","
                + "\"creditedTokens\":1}", null));
        toutiao.withdraw("A1", "w-9", 188);
        assertThat(JSON.readTree(received.get(2).body()).get("tokens").get(0).asText())
                .as("won through douyin, presented through toutiao").isEqualTo("tok-1");
        assertThat(shared.tokens("A1")).isEmpty();
    }
}
