package dev.redrain.stack.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.testsupport.KafkaExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated channel's payout protocol over real HTTP, as the issuance service's
 * HttpPaymentGateway speaks it: a payout whose answer the channel loses is still paid, once,
 * and its status says so; a payout it never received is NOT_FOUND.
 */
class PaymentChannelITCase {
    private static final String KEY = "merchant-key-for-the-channel-test";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    @TempDir
    Path statements;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private PaymentChannel channel;

    @AfterEach
    void stop() throws InterruptedException {
        channel.close();
    }

    private void start(PaymentChannel.Knobs knobs) throws IOException {
        channel = new PaymentChannel(Clock.systemUTC(), ZoneId.of("Asia/Shanghai"), 0,
                KAFKA.bootstrapServers(), "channel-test.token-credited", Set.of("CNY"), KEY,
                knobs, statements);
    }

    @Test
    void aLostAnswerIsAPayoutMadeOnceThatItsStatusAndItsRetryReport() throws Exception {
        start(PaymentChannel.Knobs.none().withLostPayoutAnswers(1.0));
        assertThatThrownBy(() -> pay("PO-1-1", 1_234)).isInstanceOf(IOException.class);
        assertThat(channel.lostPayoutAnswers()).isEqualTo(1);
        JsonNode status = status("PO-1-1");
        assertThat(status.get("status").asText()).isEqualTo("PAID");
        assertThat(status.get("amountMinor").asLong()).isEqualTo(1_234);
        JsonNode retried = pay("PO-1-1", 1_234);
        assertThat(retried.get("status").asText()).isEqualTo("PAID");
        assertThat(retried.get("channelRef").asText()).isEqualTo(status.get("channelRef")
                .asText());
        assertThat(channel.lostPayoutAnswers()).as("only the first answer is lost").isEqualTo(1);
    }

    @Test
    void aPayoutNeverAskedForIsNotFoundAndARefusalStaysRefused() throws Exception {
        start(new PaymentChannel.Knobs(0, 0, 1.0, 1));
        assertThat(status("PO-9-1").get("status").asText()).isEqualTo("NOT_FOUND");
        assertThat(pay("PO-2-1", 500).get("status").asText()).isEqualTo("FAILED");
        assertThat(status("PO-2-1").get("status").asText()).isEqualTo("FAILED");
        HttpResponse<String> stranger = http.send(HttpRequest.newBuilder(URI.create(
                channel.payoutUrl() + "/payouts/PO-2-1")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(stranger.statusCode()).as("no merchant key").isEqualTo(401);
    }

    private JsonNode pay(String payoutId, long amountMinor) throws Exception {
        String body = JSON.writeValueAsString(java.util.Map.of("payoutOutTradeNo", payoutId,
                "actId", "act-1", "amountMinor", amountMinor, "currency", "CNY"));
        return send(HttpRequest.newBuilder(URI.create(channel.payoutUrl() + "/payouts"))
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private JsonNode status(String payoutId) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(channel.payoutUrl() + "/payouts/"
                + payoutId)).GET());
    }

    private JsonNode send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + KEY).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
