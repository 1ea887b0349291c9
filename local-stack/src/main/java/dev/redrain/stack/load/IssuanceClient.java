package dev.redrain.stack.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.client.RedrainClient;
import dev.redrain.stack.run.StackException;
import dev.redrain.stack.run.StackJson;
import dev.redrain.stack.run.Version;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The issuance service as the local stack calls it: the app API through the client SDK (as a
 * real app's server does), admin calls with an operator's bearer token, and the actuator.
 */
public final class IssuanceClient {
    private static final ObjectMapper JSON = StackJson.MAPPER;

    /** An HTTP answer: status and body (parsed when it is JSON). */
    public record Answer(int status, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new StackException("not JSON (HTTP " + status + "): " + body, e);
            }
        }

        public boolean ok() {
            return status / 100 == 2;
        }
    }

    private final HttpClient http;
    private final List<String> instances;
    private final Map<String, String> appSecrets;
    private final String adminToken;
    private final Duration timeout;

    public IssuanceClient(List<String> instances, Map<String, String> appSecrets, String adminToken,
            Duration timeout, int connections) {
        this.instances = List.copyOf(instances);
        this.appSecrets = Map.copyOf(appSecrets);
        this.adminToken = adminToken;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .executor(Executors.newFixedThreadPool(
                        Math.max(2, connections / 8)))
                .build();
    }

    public List<String> instances() {
        return instances;
    }

    /**
     * The SDK's client for an app's server, aimed at every instance: operations start at each
     * in turn and move past one that is down, as through a load balancer. The caller adds its
     * listener or token keeper.
     */
    public RedrainClient.Builder app(String appId) {
        String secret = appSecrets.get(appId);
        if (secret == null) {
            throw new IllegalArgumentException("unknown app " + appId);
        }
        return RedrainClient.builder(instances.get(0), appId, secret)
                .alsoAt(instances.subList(1, instances.size())).timeout(timeout);
    }

    /** An admin call with the operator's token, to the first instance that answers. */
    public Answer admin(String method, String path, Object body) throws IOException,
            InterruptedException {
        IOException last = null;
        for (String instance : instances) {
            try {
                byte[] bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
                HttpRequest request = HttpRequest.newBuilder(URI.create(instance + path))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + adminToken)
                        .method(method, bytes.length == 0 ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(bytes))
                        .build();
                HttpResponse<String> response = http.send(request,
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                return new Answer(response.statusCode(), response.body());
            } catch (IOException e) {
                last = e;
            }
        }
        throw last == null ? new IOException("no instance") : last;
    }

    /** An admin call that must succeed. */
    public JsonNode adminOk(String method, String path, Object body) throws IOException,
            InterruptedException {
        Answer answer = admin(method, path, body);
        if (!answer.ok()) {
            throw new StackException(method + " " + path + " answered " + answer.status() + ": "
                    + answer.body());
        }
        return answer.json();
    }

    /**
     * GET on one instance's actuator with the operator's token (metrics and health details are
     * for operators), or null when it is down.
     */
    public JsonNode plainGet(String instance, String path) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create(instance + path)).timeout(Duration.ofSeconds(2))
                    .header("Authorization", "Bearer " + adminToken).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
