package dev.redrain.issuance;

import dev.redrain.client.RequestSigner;
import dev.redrain.issuance.security.SignatureFilter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/** An app's HTTP client: signs every request as SignatureFilter expects. */
public final class SignedClient {
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String appId;
    private final String secret;

    public SignedClient(String base, String appId, String secret) {
        this.base = base;
        this.appId = appId;
        this.secret = secret;
    }

    public HttpResponse<String> post(String path, String json) {
        return send("POST", path, json.getBytes(StandardCharsets.UTF_8), System.currentTimeMillis(),
                nonce(), null);
    }

    public HttpResponse<String> get(String path) {
        return send("GET", path, new byte[0], System.currentTimeMillis(), nonce(), null);
    }

    /** Full control, for the tests of refusals: a null signature is computed correctly. */
    public HttpResponse<String> send(String method, String path, byte[] body, long timestampMs,
            String nonce, String signature) {
        String signed = signature != null ? signature : RequestSigner.sign(secret, method, path,
                Long.toString(timestampMs), nonce, body);
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header(SignatureFilter.APP_ID, appId)
                .header(SignatureFilter.TIMESTAMP, Long.toString(timestampMs))
                .header(SignatureFilter.NONCE, nonce)
                .header(SignatureFilter.SIGNATURE, signed)
                .method(method, body.length == 0 && method.equals("GET")
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String nonce() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    public static String grabJson(String appId, String userId, String activityId, String sceneId,
            String rainId) {
        return "{\"appId\":\"" + appId + "\",\"userId\":\"" + userId + "\",\"activityId\":\""
                + activityId + "\",\"sceneId\":\"" + sceneId + "\",\"rainId\":\"" + rainId
                + "\"}";
    }
}
