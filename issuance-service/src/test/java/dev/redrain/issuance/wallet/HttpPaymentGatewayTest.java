package dev.redrain.issuance.wallet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP payment channel client against a real HTTP server: a clear answer is taken as
 * given; anything unclear (5xx, a body that does not parse, PAID without a reference, a
 * timeout, nobody listening) is UNKNOWN, never FAILED, so no money goes back to a wallet on a
 * guess.
 */
class HttpPaymentGatewayTest {
    private static final String KEY = "merchant-key-0123456789";

    private HttpServer server;
    private volatile int status;
    private volatile String body;
    private volatile long delayMs;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> targets = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.createContext("/channel/payouts", exchange -> {
            targets.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            requests.add(exchange.getRequestHeaders().getFirst("Authorization") + " "
                    + new String(exchange.getRequestBody().readAllBytes(),
                            StandardCharsets.UTF_8));
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private HttpPaymentGateway gateway() {
        return new HttpPaymentGateway("http://127.0.0.1:" + server.getAddress().getPort()
                + "/channel", KEY, Duration.ofMillis(500));
    }

    private PaymentGateway.Payout answer(int httpStatus, String json) {
        status = httpStatus;
        body = json;
        return gateway().pay("PO-1-1", "act-1", 888, "CNY");
    }

    @Test
    void aPaidAnswerCarriesTheChannelReferenceAndTheRequestTheMerchantKey() {
        PaymentGateway.Payout payout = answer(200, "{\"status\":\"PAID\",\"channelRef\":\"CH-1\"}");
        assertThat(payout.status()).isEqualTo(PaymentGateway.Status.PAID);
        assertThat(payout.channelRef()).isEqualTo("CH-1");
        assertThat(requests).singleElement().asString()
                .startsWith("Bearer " + KEY + " ")
                .contains("\"payoutOutTradeNo\":\"PO-1-1\"", "\"amountMinor\":888",
                        "\"currency\":\"CNY\"", "\"actId\":\"act-1\"");
    }

    @Test
    void aRefusalIsFailedWithItsReason() {
        PaymentGateway.Payout payout = answer(200, "{\"status\":\"FAILED\",\"reason\":\"closed\"}");
        assertThat(payout.status()).isEqualTo(PaymentGateway.Status.FAILED);
        assertThat(payout.reason()).isEqualTo("closed");
    }

    @Test
    void anythingUnclearIsUnknownNeverFailed() {
        assertThat(answer(500, "oops").status()).isEqualTo(PaymentGateway.Status.UNKNOWN);
        assertThat(answer(200, "not json").status()).isEqualTo(PaymentGateway.Status.UNKNOWN);
        assertThat(answer(200, "{\"status\":\"MAYBE\"}").status())
                .isEqualTo(PaymentGateway.Status.UNKNOWN);
        assertThat(answer(200, "{\"status\":\"PAID\"}").status())
                .isEqualTo(PaymentGateway.Status.UNKNOWN);
        delayMs = 2_000;
        assertThat(answer(200, "{\"status\":\"PAID\",\"channelRef\":\"late\"}").status())
                .isEqualTo(PaymentGateway.Status.UNKNOWN);
        delayMs = 0;
        server.stop(0);
        assertThat(gateway().pay("PO-2-1", "act-1", 1, "CNY").status())
                .isEqualTo(PaymentGateway.Status.UNKNOWN);
    }

    private PaymentGateway.Payout statusAnswer(int httpStatus, String json) {
        status = httpStatus;
        body = json;
        return gateway().status("PO-7-2");
    }

    @Test
    void aStatusQueryGetsThePayoutByIdAndTakesTheStatedAmount() {
        PaymentGateway.Payout payout = statusAnswer(200,
                "{\"status\":\"PAID\",\"channelRef\":\"CH-7\",\"amountMinor\":1234}");
        assertThat(payout.status()).isEqualTo(PaymentGateway.Status.PAID);
        assertThat(payout.channelRef()).isEqualTo("CH-7");
        assertThat(payout.amountMinor()).isEqualTo(1234L);
        assertThat(targets).containsExactly("GET /channel/payouts/PO-7-2");
        assertThat(requests).singleElement().asString().isEqualTo("Bearer " + KEY + " ");
        assertThat(statusAnswer(200, "{\"status\":\"NOT_FOUND\"}").status())
                .isEqualTo(PaymentGateway.Status.NOT_FOUND);
        assertThat(statusAnswer(200, "{\"status\":\"FAILED\",\"reason\":\"closed\"}")
                .reason()).isEqualTo("closed");
    }

    @Test
    void notFoundAnswersOnlyAStatusQueryAndAnUnclearStatusIsUnknown() {
        assertThat(answer(200, "{\"status\":\"NOT_FOUND\"}").status())
                .isEqualTo(PaymentGateway.Status.UNKNOWN);
        assertThat(statusAnswer(404, "{\"status\":\"NOT_FOUND\"}").status())
                .isEqualTo(PaymentGateway.Status.UNKNOWN);
        assertThat(statusAnswer(200, "{\"status\":\"PAID\"}").status())
                .isEqualTo(PaymentGateway.Status.UNKNOWN);
        assertThat(statusAnswer(200, "{\"status\":\"UNKNOWN\"}").status())
                .isEqualTo(PaymentGateway.Status.UNKNOWN);
    }

    @Test
    void aMissingOrShortMerchantKeyRefusesToStart() {
        assertThatThrownBy(() -> new HttpPaymentGateway("http://127.0.0.1:1", "short",
                Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("merchant-key");
    }
}
