package dev.redrain.stack.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.redrain.stack.run.StackJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * The live ops dashboard, on loopback: {@code /} the page (it polls {@code /api/ops} every
 * second), {@code /api/ops} the latest snapshot as JSON ({@code ?seq=N} a recent one by
 * number), {@code /runbooks/<name>.md} the runbooks the alerts link to (as HTML, each section
 * an anchor), {@code /report} the
 * last settlement's HTML report.
 */
public final class Dashboard implements AutoCloseable {
    private static final Pattern RUNBOOK = Pattern.compile("/runbooks/([a-z0-9-]+\\.md)");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4);
    private final Ops ops;
    private final Path runbooks;
    private final String page;

    public Dashboard(int port, Ops ops, Path runbooks) throws IOException {
        this.ops = ops;
        this.runbooks = runbooks;
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard.html")) {
            this.page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext("/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                send(exchange, 405, "text/plain", "GET only");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery();
            if (path.equals("/")) {
                send(exchange, 200, "text/html; charset=utf-8", page);
            } else if (path.equals("/api/ops")) {
                api(exchange, query);
            } else if (path.equals("/report")) {
                report(exchange);
            } else if (RUNBOOK.matcher(path).matches()) {
                Path file = runbooks.resolve(path.substring("/runbooks/".length()));
                if (Files.isRegularFile(file)) {
                    send(exchange, 200, "text/html; charset=utf-8", RunbookPage.html(
                            file.getFileName().toString(), Files.readString(file)));
                } else {
                    send(exchange, 404, "text/plain", "no such runbook");
                }
            } else {
                send(exchange, 404, "text/plain", "not found");
            }
        } catch (RuntimeException e) {
            send(exchange, 503, "text/plain", "not available: " + e.getMessage());
        }
    }

    private void api(HttpExchange exchange, String query) throws IOException {
        Ops.Snapshot snapshot;
        if (query != null && query.matches("seq=\\d{1,18}")) {
            Optional<Ops.Snapshot> found = ops.bySeq(Long.parseLong(query.substring(4)));
            if (found.isEmpty()) {
                send(exchange, 404, "application/json", "{\"error\":\"snapshot no longer kept\"}");
                return;
            }
            snapshot = found.get();
        } else if (query != null) {
            send(exchange, 400, "application/json", "{\"error\":\"the only parameter is seq\"}");
            return;
        } else {
            snapshot = ops.latest();
        }
        send(exchange, 200, "application/json",
                StackJson.MAPPER.writeValueAsString(snapshot));
    }

    private void report(HttpExchange exchange) throws IOException {
        Ops.SettlementView settlement = ops.latest().settlement();
        if (settlement == null || settlement.reportPath() == null
                || !Files.isRegularFile(Path.of(settlement.reportPath()))) {
            send(exchange, 404, "text/plain", "no settlement report yet");
            return;
        }
        send(exchange, 200, "text/html; charset=utf-8",
                Files.readString(Path.of(settlement.reportPath())));
    }

    private static void send(HttpExchange exchange, int status, String type, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
