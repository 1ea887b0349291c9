package dev.redrain.issuance.wallet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * A payment channel reached over HTTP ({@code redrain.payment.channel=http}): {@code POST
 * <url>/payouts} with {@code {payoutOutTradeNo, actId, amountMinor, currency}} and the
 * merchant key as a bearer token, answered {@code {status: PAID|FAILED, channelRef, reason}}.
 * The channel is idempotent on payoutOutTradeNo, so asking again is safe. Anything but a clear
 * answer (a timeout, a refused connection, a 5xx, a body that does not parse) is UNKNOWN: the
 * withdrawal stays DEBITED and the same requestId asks again; money is never returned to the
 * wallet on a guess. {@link #status} asks what became of a payout whose answer was lost.
 */
@Component
@ConditionalOnProperty(name = "redrain.payment.channel", havingValue = "http")
public class HttpPaymentGateway implements PaymentGateway {
    private static final Logger LOG = LoggerFactory.getLogger(HttpPaymentGateway.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI payouts;
    private final String merchantKey;
    private final Duration timeout;
    private final HttpClient client;

    HttpPaymentGateway(@Value("${redrain.payment.url}") String url,
            @Value("${redrain.payment.merchant-key}") String merchantKey,
            @Value("${redrain.payment.timeout:3s}") Duration timeout) {
        if (merchantKey == null || merchantKey.length() < 16) {
            throw new IllegalStateException("redrain.payment.merchant-key must be set (16+"
                    + " characters) when redrain.payment.channel=http");
        }
        this.payouts = URI.create(url.endsWith("/") ? url + "payouts" : url + "/payouts");
        this.merchantKey = merchantKey;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout)
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public Payout pay(String payoutOutTradeNo, String actId, long amountMinor, String currency) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("payoutOutTradeNo", payoutOutTradeNo);
        body.put("actId", actId);
        body.put("amountMinor", amountMinor);
        body.put("currency", currency);
        try {
            return ask(payoutOutTradeNo, request(payouts).header("Content-Type",
                    "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(
                            JSON.writeValueAsBytes(body))), false);
        } catch (IOException e) {
            return Payout.unknown("request not written: " + e.getMessage());
        }
    }

    /**
     * {@code GET <url>/payouts/<payoutOutTradeNo>}, answered {@code {status:
     * PAID|FAILED|NOT_FOUND, channelRef, reason, amountMinor}}. Anything else is UNKNOWN.
     */
    @Override
    public Payout status(String payoutOutTradeNo) {
        URI one = payouts.resolve("payouts/" + URLEncoder.encode(payoutOutTradeNo,
                StandardCharsets.UTF_8));
        return ask(payoutOutTradeNo, request(one).GET(), true);
    }

    private HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Authorization", "Bearer " + merchantKey);
    }

    private Payout ask(String payoutOutTradeNo, HttpRequest.Builder request,
            boolean statusQuery) {
        try {
            HttpResponse<byte[]> response = client.send(request.build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                LOG.warn("payout {}: the channel answered HTTP {}", payoutOutTradeNo,
                        response.statusCode());
                return Payout.unknown("channel HTTP " + response.statusCode());
            }
            return answer(JSON.readTree(response.body()), statusQuery);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Payout.unknown("interrupted");
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("payout {}: no clear answer from the channel: {}", payoutOutTradeNo,
                    e.toString());
            return Payout.unknown("no clear answer: " + e.getMessage());
        }
    }

    /** A clear answer, or UNKNOWN: PAID needs a reference, NOT_FOUND only answers a status. */
    private static Payout answer(JsonNode answer, boolean statusQuery) {
        Status status = Status.valueOf(answer.path("status").asText());
        if (status == Status.UNKNOWN || status == Status.NOT_FOUND && !statusQuery) {
            return Payout.unknown("the channel answered " + status);
        }
        String channelRef = answer.hasNonNull("channelRef")
                ? answer.get("channelRef").asText() : null;
        if (status == Status.PAID && (channelRef == null || channelRef.isBlank())) {
            return Payout.unknown("PAID without a channel reference");
        }
        Long amountMinor = answer.path("amountMinor").canConvertToExactIntegral()
                ? answer.get("amountMinor").asLong() : null;
        return new Payout(status, channelRef, answer.path("reason").asText(null), amountMinor);
    }
}
