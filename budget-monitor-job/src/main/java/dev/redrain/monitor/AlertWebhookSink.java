package dev.redrain.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.redrain.core.event.BudgetAlert;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alerts to an HTTP webhook in the Prometheus Alertmanager format ({@code POST
 * /api/v2/alerts}: a JSON array of {@code {labels, annotations, startsAt, endsAt,
 * generatorURL}}). Every notice carries {@code endsAt}: a firing alert's lease (the monitor
 * re-sends it while its condition holds, which moves the lease on), or the moment it was
 * resolved. Alertmanager identifies an alert by its labels (its fingerprint); a batch holds
 * the latest notice per fingerprint only.
 *
 * <p>A dead webhook never stops or slows the job: {@code write} only offers the alert to a
 * bounded queue (when full, the alert is dropped and counted: Kafka and MySQL still have it);
 * a sender thread posts batches with a per-request timeout and bounded retries with
 * exponential backoff, then gives the batch up (counted). Delivery is best effort by design:
 * the Kafka topic and the MySQL table are the records; Alertmanager deduplicates repeats by
 * labels.
 */
public class AlertWebhookSink implements Sink<AlertNotice> {
    private static final Logger LOG = LoggerFactory.getLogger(AlertWebhookSink.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final int attempts;
    private final long backoffMs;
    private final long timeoutMs;
    private final int queueCapacity;

    /**
     * @param url the Alertmanager alerts endpoint, e.g. http://alertmanager:9093/api/v2/alerts
     * @param attempts tries per batch before it is given up
     * @param backoffMs first pause between tries, doubled each time
     * @param timeoutMs connect and request timeout of one try
     */
    public AlertWebhookSink(String url, int attempts, long backoffMs, long timeoutMs,
            int queueCapacity) {
        this.url = url;
        this.attempts = attempts;
        this.backoffMs = backoffMs;
        this.timeoutMs = timeoutMs;
        this.queueCapacity = queueCapacity;
    }

    @Override
    public SinkWriter<AlertNotice> createWriter(WriterInitContext context) {
        var metrics = context.metricGroup();
        return new Writer(metrics.counter("webhookSent"), metrics.counter("webhookFailedTries"),
                metrics.counter("webhookGivenUp"), metrics.counter("webhookDropped"));
    }

    /** The Alertmanager payload for some notices: the latest per fingerprint, in order. */
    static String payload(List<AlertNotice> notices) {
        Map<String, AlertNotice> latest = new LinkedHashMap<>();
        for (AlertNotice notice : notices) {
            String fingerprint = fingerprint(labels(notice.alert()));
            latest.remove(fingerprint);
            latest.put(fingerprint, notice);
        }
        ArrayNode array = JSON.createArrayNode();
        for (AlertNotice notice : latest.values()) {
            BudgetAlert alert = notice.alert();
            ObjectNode item = array.addObject();
            item.set("labels", labels(alert));
            ObjectNode annotations = item.putObject("annotations");
            annotations.put("summary", alert.summary());
            annotations.put("runbook_url", alert.runbookUrl());
            if (alert.fallbackSwitch() != null) {
                annotations.put("fallback_switch", alert.fallbackSwitch());
            }
            annotations.put("alert_id", alert.alertId());
            annotations.put("observed", Long.toString(alert.observedValue()));
            annotations.put("expected", Long.toString(alert.expectedValue()));
            annotations.put("unit", alert.valueUnit());
            annotations.put("window_start", alert.windowStart().toString());
            annotations.put("window_end", alert.windowEnd().toString());
            if (alert.projectedExhaustionAt() != null) {
                annotations.put("projected_exhaustion_at",
                        alert.projectedExhaustionAt().toString());
            }
            item.put("startsAt", alert.firedAt().toString());
            // Never before startsAt: Alertmanager would drop the alert as invalid.
            item.put("endsAt", (notice.endsAt().isBefore(alert.firedAt()) ? alert.firedAt()
                    : notice.endsAt()).toString());
            item.put("generatorURL", alert.runbookUrl());
        }
        return array.toString();
    }

    /** The labels Alertmanager identifies an alert by: the same for its re-sends. */
    static ObjectNode labels(BudgetAlert alert) {
        ObjectNode labels = JSON.createObjectNode();
        labels.put("alertname", "RedrainBudget" + camel(alert.rule().name()));
        labels.put("severity", alert.severity().name().toLowerCase(Locale.ROOT));
        labels.put("rule", alert.rule().name());
        labels.put("activity_id", alert.activityId());
        labels.put("stage", alert.stage().name());
        labels.put("template_id", alert.templateId());
        if (alert.parentActivityId() != null) {
            labels.put("parent_activity_id", alert.parentActivityId());
        }
        labels.put("dedupe_key", alert.dedupeKey());
        return labels;
    }

    /** Alertmanager's identity of an alert: its label set, in name order. */
    static String fingerprint(ObjectNode labels) {
        Map<String, String> sorted = new TreeMap<>();
        labels.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText()));
        return sorted.toString();
    }

    private static String camel(String rule) {
        StringBuilder out = new StringBuilder();
        for (String part : rule.split("_")) {
            out.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
        }
        return out.toString();
    }

    private final class Writer implements SinkWriter<AlertNotice> {
        private final BlockingQueue<AlertNotice> queue = new ArrayBlockingQueue<>(queueCapacity);
        private final Counter sent;
        private final Counter failedTries;
        private final Counter givenUp;
        private final Counter dropped;
        private final HttpClient http;
        private final Thread sender;
        private volatile boolean running = true;

        Writer(Counter sent, Counter failedTries, Counter givenUp, Counter dropped) {
            this.sent = sent;
            this.failedTries = failedTries;
            this.givenUp = givenUp;
            this.dropped = dropped;
            this.http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(timeoutMs))
                    .build();
            this.sender = new Thread(this::send, "alert-webhook-sender");
            sender.setDaemon(true);
            sender.start();
        }

        @Override
        public void write(AlertNotice notice, Context context) {
            if (!queue.offer(notice)) {
                dropped.inc();
            }
        }

        @Override
        public void flush(boolean endOfInput) {
            // Best effort: a checkpoint never waits for the webhook.
        }

        private void send() {
            while (running) {
                List<AlertNotice> batch = new ArrayList<>();
                try {
                    AlertNotice first = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch, 99);
                } catch (InterruptedException e) {
                    return;
                }
                deliver(batch);
            }
        }

        private void deliver(List<AlertNotice> batch) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofMillis(timeoutMs))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(payload(batch))).build();
            long pause = backoffMs;
            for (int attempt = 1; attempt <= attempts && running; attempt++) {
                try {
                    HttpResponse<Void> response = http.send(request,
                            HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() / 100 == 2) {
                        sent.inc(batch.size());
                        return;
                    }
                    LOG.warn("alert webhook answered {}", response.statusCode());
                } catch (IOException e) {
                    LOG.warn("alert webhook unreachable: {}", e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                failedTries.inc();
                if (attempt < attempts) {
                    try {
                        Thread.sleep(pause);
                    } catch (InterruptedException e) {
                        return;
                    }
                    pause *= 2;
                }
            }
            givenUp.inc(batch.size());
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            sender.interrupt();
            sender.join(timeoutMs + 1_000);
        }
    }
}
