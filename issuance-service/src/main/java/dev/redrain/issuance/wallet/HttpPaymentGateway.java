package dev.redrain.issuance.wallet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * wallet on a guess.
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
            HttpRequest request = HttpRequest.newBuilder(payouts).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + merchantKey)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                    .build();
            HttpResponse<byte[]> response = client.send(request,
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                LOG.warn("payout {}: the channel answered HTTP {}", payoutOutTradeNo,
                        response.statusCode());
                return new Payout(Status.UNKNOWN, null, "channel HTTP " + response.statusCode());
            }
            JsonNode answer = JSON.readTree(response.body());
            Status status = Status.valueOf(answer.path("status").asText());
            String channelRef = answer.hasNonNull("channelRef")
                    ? answer.get("channelRef").asText() : null;
            if (status == Status.PAID && (channelRef == null || channelRef.isBlank())) {
                return new Payout(Status.UNKNOWN, null, "PAID without a channel reference");
            }
            return new Payout(status, channelRef, answer.path("reason").asText(null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Payout(Status.UNKNOWN, null, "interrupted");
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("payout {}: no clear answer from the channel: {}", payoutOutTradeNo,
                    e.toString());
            return new Payout(Status.UNKNOWN, null, "no clear answer: " + e.getMessage());
        }
    }
}
