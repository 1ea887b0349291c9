package dev.redrain.flinksession;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The calls an operator makes to a Flink cluster's REST API (the same ones {@code flink run}
 * and the web UI make): upload a job jar, run it, read a job's state, stop it with a savepoint,
 * cancel it. See Flink's REST API reference for the routes.
 */
public final class FlinkRestClient {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRestClient(URI base) {
        this.base = base;
    }

    public URI base() {
        return base;
    }

    /** {@code GET /overview}: task managers, slots, jobs. */
    public Map<String, Object> overview() {
        return Json.parseObject(send(get("/overview"), 200));
    }

    /** {@code POST /jars/upload}; returns the jar id the run call takes. */
    public String uploadJar(Path jar) {
        String boundary = "redrain-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\";"
                    + " filename=\"" + jar.getFileName() + "\"\r\nContent-Type:"
                    + " application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(Files.readAllBytes(jar));
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
        HttpRequest request = request("/jars/upload")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        Map<String, Object> answer = Json.parseObject(send(request, 200));
        String filename = String.valueOf(answer.get("filename"));
        if (!"success".equals(answer.get("status"))) {
            throw new FlinkRestException("jar upload not accepted: " + answer);
        }
        return filename.substring(filename.lastIndexOf('/') + 1);
    }

    /**
     * {@code POST /jars/:jarid/run}; returns the job id.
     *
     * @param savepointPath null to start fresh
     */
    public String runJar(String jarId, String entryClass, List<String> programArguments,
            int parallelism, String savepointPath) {
        StringBuilder body = new StringBuilder("{\"entryClass\":").append(Json.quote(entryClass))
                .append(",\"parallelism\":").append(parallelism)
                .append(",\"programArgsList\":[")
                .append(programArguments.stream().map(Json::quote)
                        .collect(Collectors.joining(",")))
                .append(']');
        if (savepointPath != null) {
            body.append(",\"savepointPath\":").append(Json.quote(savepointPath))
                    .append(",\"allowNonRestoredState\":false");
        }
        body.append('}');
        HttpRequest request = request("/jars/" + jarId + "/run")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return String.valueOf(Json.parseObject(send(request, 200)).get("jobid"));
    }

    /** {@code GET /jobs/:jobid}: the job's state, e.g. RUNNING, FAILED, CANCELED. */
    public String jobState(String jobId) {
        return String.valueOf(Json.parseObject(send(get("/jobs/" + jobId), 200)).get("state"));
    }

    /**
     * The current values of a vertex's metrics, as an operator reads them:
     * {@code GET /jobs/:jobid} for the vertex id, {@code GET .../vertices/:vid/metrics} for the
     * metric ids, then {@code ?get=} for their values.
     *
     * @param vertexNamePrefix start of the vertex's name, e.g. {@code ledger-credit}
     * @param metricNames the metric names wanted (the last segment of each metric id)
     * @return value by metric id (e.g. {@code 0.ledger-credit__Writer.batchSize}); empty while
     *     the vertex has not reported yet
     */
    public Map<String, String> vertexMetrics(String jobId, String vertexNamePrefix,
            Collection<String> metricNames) {
        Map<String, Object> job = Json.parseObject(send(get("/jobs/" + jobId), 200));
        String vertexId = null;
        for (Object vertex : (List<?>) job.get("vertices")) {
            Map<?, ?> fields = (Map<?, ?>) vertex;
            if (String.valueOf(fields.get("name")).startsWith(vertexNamePrefix)) {
                vertexId = String.valueOf(fields.get("id"));
            }
        }
        if (vertexId == null) {
            throw new FlinkRestException("job " + jobId + " has no vertex named "
                    + vertexNamePrefix + "...");
        }
        String path = "/jobs/" + jobId + "/vertices/" + vertexId + "/metrics";
        List<String> ids = new ArrayList<>();
        for (Object metric : (List<?>) Json.parse(send(get(path), 200))) {
            String id = String.valueOf(((Map<?, ?>) metric).get("id"));
            if (metricNames.contains(id.substring(id.lastIndexOf('.') + 1))) {
                ids.add(id);
            }
        }
        Map<String, String> values = new TreeMap<>();
        if (ids.isEmpty()) {
            return values;
        }
        String query = URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8);
        for (Object metric : (List<?>) Json.parse(send(get(path + "?get=" + query), 200))) {
            Map<?, ?> fields = (Map<?, ?>) metric;
            values.put(String.valueOf(fields.get("id")), String.valueOf(fields.get("value")));
        }
        return values;
    }

    /** {@code GET /jobs/:jobid/exceptions}, raw, for failure messages. */
    public String jobExceptions(String jobId) {
        return send(get("/jobs/" + jobId + "/exceptions"), 200);
    }

    /** {@code PATCH /jobs/:jobid?mode=cancel}. */
    public void cancel(String jobId) {
        HttpRequest request = request("/jobs/" + jobId + "?mode=cancel")
                .method("PATCH", HttpRequest.BodyPublishers.noBody()).build();
        send(request, 202);
    }

    /**
     * {@code POST /jobs/:jobid/stop}, then polls the operation until the savepoint is written.
     *
     * @return the savepoint's location, to pass to {@link #runJar} on the next start
     */
    public String stopWithSavepoint(String jobId, String targetDirectory, Duration timeout)
            throws InterruptedException {
        String body = "{\"drain\":false,\"targetDirectory\":" + Json.quote(targetDirectory) + "}";
        HttpRequest request = request("/jobs/" + jobId + "/stop")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        String triggerId = String.valueOf(Json.parseObject(send(request, 202)).get("request-id"));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, Object> answer = Json.parseObject(send(
                    get("/jobs/" + jobId + "/savepoints/" + triggerId), 200));
            Object status = answer.get("status");
            if (status instanceof Map<?, ?> map && "COMPLETED".equals(map.get("id"))) {
                Object operation = answer.get("operation");
                if (operation instanceof Map<?, ?> result && result.get("location") != null) {
                    return String.valueOf(result.get("location"));
                }
                throw new FlinkRestException("stop-with-savepoint failed: " + answer);
            }
            Thread.sleep(200);
        }
        throw new FlinkRestException("stop-with-savepoint of " + jobId + " did not finish in "
                + timeout);
    }

    private HttpRequest get(String path) {
        return request(path).GET().build();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT);
    }

    private String send(HttpRequest request, int expectedStatus) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new FlinkRestException(request.method() + " " + request.uri() + " failed: " + e,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FlinkRestException("interrupted during " + request.uri(), e);
        }
        if (response.statusCode() != expectedStatus) {
            throw new FlinkRestException(request.method() + " " + request.uri() + " answered "
                    + response.statusCode() + ": " + errorSummary(response.body()));
        }
        return response.body();
    }

    /**
     * Flink puts whole stack traces in its error answers; the exception lines (the message and
     * every "Caused by") are what an operator needs.
     */
    static String errorSummary(String body) {
        StringBuilder summary = new StringBuilder();
        try {
            Object errors = Json.parseObject(body).get("errors");
            if (errors instanceof List<?> list) {
                for (Object error : list) {
                    for (String line : String.valueOf(error).split("\n")) {
                        if (!line.startsWith("\tat ") && !line.startsWith("\t...")
                                && !line.isBlank()) {
                            summary.append(line.strip()).append('\n');
                        }
                    }
                }
            }
        } catch (IllegalArgumentException notJson) {
            return Json.abbreviate(body);
        }
        return summary.length() == 0 ? Json.abbreviate(body) : summary.toString();
    }

    /** A REST call that failed or answered something unexpected. */
    public static final class FlinkRestException extends RuntimeException {
        FlinkRestException(String message) {
            super(message);
        }

        FlinkRestException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
