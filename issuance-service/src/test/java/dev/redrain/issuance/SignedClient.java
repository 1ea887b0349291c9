package dev.redrain.issuance;

import dev.redrain.client.RequestSigner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * An app's raw HTTP client for the service's own tests, which need what the SDK will not do:
 * answers as they came (status, headers, body), and requests signed wrongly, late or twice.
 * The signing itself is the SDK's ({@link RequestSigner#headers}); ClientSdkITCase tests the
 * SDK's client against the service.
 */
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
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body.length == 0 && method.equals("GET")
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        Map<String, String> headers = RequestSigner.headers(appId, secret, method, path, body,
                timestampMs, nonce);
        if (signature != null) {
            headers.put(RequestSigner.SIGNATURE, signature);
        }
        headers.forEach(request::header);
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static String nonce() {
        return RequestSigner.nonce();
    }

    public static String grabJson(String appId, String userId, String activityId, String sceneId,
            String rainId) {
        return "{\"appId\":\"" + appId + "\",\"userId\":\"" + userId + "\",\"activityId\":\""
                + activityId + "\",\"sceneId\":\"" + sceneId + "\",\"rainId\":\"" + rainId
                + "\"}";
    }
}
