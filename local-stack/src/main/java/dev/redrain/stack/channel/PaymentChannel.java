package dev.redrain.stack.channel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.redrain.core.event.EventDecodingException;
import dev.redrain.core.event.EventSerde;
import dev.redrain.core.event.TokenCredited;
import dev.redrain.core.ledger.CreditSource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The payment channel, simulated: it funds every credited cash token (from the
 * {@code TokenCredited} events, once per outTradeNo however often an event is repeated), pays
 * withdrawals out over HTTP ({@code POST /payouts}, the protocol of the issuance service's
 * {@code HttpPaymentGateway}, idempotent on the payout id, merchant key as bearer token), and
 * writes the day's statement in the format the settlement imports.
 *
 * <p>Fault knobs, decided per outTradeNo from the seed (the same seed drops the same lines
 * whatever the arrival order): a share of lines left out of the statement (the channel lost
 * them), a share stated with a different amount, a share of payouts refused. Every injected
 * fault is remembered, so the demo can check the settlement names each one.
 */
public final class PaymentChannel implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter PREFIX = DateTimeFormatter.BASIC_ISO_DATE;
    private static final int LAG_SAMPLES_MAX = 20_000;

    /** One line of the channel's statement. */
    record Line(String outTradeNo, String channelRef, String kind, long amountMinor,
            String currency, String status, Instant paidAt, LocalDate businessDate) {
        String csv() {
            return String.join(",", outTradeNo, channelRef, kind, Long.toString(amountMinor),
                    currency, status, paidAt.toString());
        }
    }

    /** A fault the channel injected: what the ledger has and what the statement says. */
    public record Fault(String outTradeNo, String kind, String fault, long trueAmountMinor,
            Long statedAmountMinor) {
    }

    /**
     * @param bill the terms of the channel's bill when it writes one (the settlement's
     *     {@code channel-bill} format); null: Redrain's own statement ({@code redrain-csv})
     * @param payoutLostAnswerRate share of payouts the channel decides (pays or refuses) but
     *     whose first answer it never sends: the caller sees the connection close
     */
    public record Knobs(double dropRate, double mismatchRate, double payoutFailureRate, long seed,
            ChannelBill.Terms bill, double payoutLostAnswerRate) {
        public Knobs(double dropRate, double mismatchRate, double payoutFailureRate, long seed) {
            this(dropRate, mismatchRate, payoutFailureRate, seed, null, 0);
        }

        public static Knobs none() {
            return new Knobs(0, 0, 0, 1);
        }

        /** The same faults, and a bill like a real channel's instead of Redrain's statement. */
        public Knobs withBill(ChannelBill.Terms terms) {
            return new Knobs(dropRate, mismatchRate, payoutFailureRate, seed, terms,
                    payoutLostAnswerRate);
        }

        /** The same faults, and this share of payout answers lost on the way back. */
        public Knobs withLostPayoutAnswers(double rate) {
            return new Knobs(dropRate, mismatchRate, payoutFailureRate, seed, bill, rate);
        }
    }

    private final Clock clock;
    private final ZoneId businessZone;
    private final Set<String> cashCurrencies;
    private final String merchantKey;
    private final Knobs knobs;
    private final Path statementDirectory;
    private final HttpServer server;
    private final ExecutorService httpThreads = Executors.newFixedThreadPool(4);
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread consumerThread;
    private final EventSerde serde = new EventSerde();
    private final Map<String, Line> lines = new ConcurrentHashMap<>();
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Map<String, TokenCredited> credited = new ConcurrentHashMap<>();
    private final AtomicLong channelRefs = new AtomicLong();
    private final AtomicLong lostAnswers = new AtomicLong();
    private final long[] lagSamplesMs = new long[LAG_SAMPLES_MAX];
    private final long[] lagSampleAtMs = new long[LAG_SAMPLES_MAX];
    private int lagSampleCount;
    private volatile boolean running = true;

    public PaymentChannel(Clock clock, ZoneId businessZone, int port, String kafkaBootstrap, String creditedTopic,
            Set<String> cashCurrencies, String merchantKey, Knobs knobs, Path statementDirectory)
            throws IOException {
        this.clock = clock;
        this.businessZone = businessZone;
        this.statementDirectory = statementDirectory;
        this.cashCurrencies = Set.copyOf(cashCurrencies);
        this.merchantKey = merchantKey;
        this.knobs = knobs;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext("/payouts", this::payout);
        server.createContext("/statements", this::statement);
        server.setExecutor(httpThreads);
        server.start();
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, "redrain-payment-channel-simulator");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(creditedTopic));
        this.consumerThread = new Thread(this::consume, "payment-channel-funding");
        consumerThread.setDaemon(true);
        consumerThread.start();
    }

    public String payoutUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    Knobs knobs() {
        return knobs;
    }

    private void consume() {
        while (running) {
            try {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    onCredited(record.value());
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                // The broker is away (a Kafka outage): the consumer reconnects on the next poll.
                sleepQuietly(500);
            }
        }
    }

    private void onCredited(byte[] value) {
        TokenCredited event;
        try {
            event = serde.deserialize(value, TokenCredited.class);
        } catch (EventDecodingException | RuntimeException e) {
            return;
        }
        if (credited.putIfAbsent(event.outTradeNo(), event) != null) {
            return;
        }
        if (event.source() == CreditSource.STREAM) {
            // The credit lag is the stream's; a forced credit is announced when the stream
            // reaches its event, so its creditedAt says nothing about the stream's lag.
            long lagMs = Math.max(0, event.creditedAt().toEpochMilli()
                    - event.issuedAt().toEpochMilli());
            synchronized (lagSamplesMs) {
                int slot = lagSampleCount % LAG_SAMPLES_MAX;
                lagSamplesMs[slot] = lagMs;
                lagSampleAtMs[slot] = event.creditedAt().toEpochMilli();
                lagSampleCount++;
            }
        }
        if (cashCurrencies.contains(event.currency())) {
            record("FUNDING", event.outTradeNo(), event.amountMinor(), event.currency(),
                    "SUCCESS");
        }
    }

    /**
     * {@code POST /payouts} pays (idempotent on the payout id); {@code GET /payouts/<id>}
     * answers what became of a payout: PAID, FAILED or NOT_FOUND, with the amount.
     */
    private void payout(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!authorized(exchange)) {
                respond(exchange, 401, Map.of("error", "unknown merchant"));
                return;
            }
            if ("GET".equals(exchange.getRequestMethod())) {
                String path = exchange.getRequestURI().getPath();
                payoutStatus(exchange, path.startsWith("/payouts/") ? path.substring(
                        "/payouts/".length()) : "");
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, Map.of("error", "POST or GET only"));
                return;
            }
            JsonNode body;
            try {
                body = JSON.readTree(exchange.getRequestBody().readNBytes(16 * 1024));
            } catch (IOException e) {
                respond(exchange, 400, Map.of("error", "not JSON"));
                return;
            }
            String payoutId = body.path("payoutOutTradeNo").asText("");
            long amountMinor = body.path("amountMinor").asLong(0);
            String currency = body.path("currency").asText("");
            if (payoutId.isEmpty() || amountMinor <= 0 || !cashCurrencies.contains(currency)) {
                respond(exchange, 400, Map.of("error", "payoutOutTradeNo, a positive"
                        + " amountMinor and a cash currency are required"));
                return;
            }
            boolean firstAsk = !lines.containsKey(payoutId);
            boolean refused = decides(payoutId, "refuse", knobs.payoutFailureRate());
            Line line = record("PAYOUT", payoutId, amountMinor, currency,
                    refused ? "FAILED" : "SUCCESS");
            if (firstAsk && decides(payoutId, "lose-answer", knobs.payoutLostAnswerRate())) {
                lostAnswers.incrementAndGet();
                return; // decided and remembered; the connection closes with no answer
            }
            respond(exchange, 200, payoutAnswer(line));
        }
    }

    private void payoutStatus(HttpExchange exchange, String payoutId) throws IOException {
        Line line = lines.get(payoutId);
        if (line == null || !"PAYOUT".equals(line.kind())) {
            respond(exchange, 200, Map.of("status", "NOT_FOUND"));
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>(payoutAnswer(line));
        answer.put("amountMinor", line.amountMinor());
        respond(exchange, 200, answer);
    }

    private static Map<String, Object> payoutAnswer(Line line) {
        return "FAILED".equals(line.status())
                ? Map.of("status", "FAILED", "reason", "simulated refusal by the channel")
                : Map.of("status", "PAID", "channelRef", line.channelRef());
    }

    /** Payouts the channel decided whose first answer it did not send. */
    public long lostPayoutAnswers() {
        return lostAnswers.get();
    }

    /**
     * {@code POST /statements?date=YYYY-MM-DD} (merchant key): writes that date's statement
     * into the stack's statement folder, as the channel's daily file drop; answers its path
     * and the settlement's settings for reading it.
     */
    private void statement(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!authorized(exchange)) {
                respond(exchange, 401, Map.of("error", "unknown merchant"));
                return;
            }
            String query = exchange.getRequestURI().getQuery();
            if (!"POST".equals(exchange.getRequestMethod()) || query == null
                    || !query.matches("date=\\d{4}-\\d{2}-\\d{2}")) {
                respond(exchange, 400, Map.of("error", "POST /statements?date=YYYY-MM-DD"));
                return;
            }
            LocalDate date;
            try {
                date = LocalDate.parse(query.substring(5));
            } catch (DateTimeParseException e) {
                respond(exchange, 400, Map.of("error", "not a date"));
                return;
            }
            Path file = writeStatement(date, statementDirectory);
            respond(exchange, 200, Map.of("path", file.toString(), "settlementArguments",
                    settlementArguments()));
        }
    }

    private boolean authorized(HttpExchange exchange) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        return authorization != null && MessageDigest.isEqual(authorization.getBytes(
                StandardCharsets.UTF_8), ("Bearer " + merchantKey).getBytes(
                        StandardCharsets.UTF_8));
    }

    /** Where the channel drops its statements (the settlement reads them there). */
    public Path statementDirectory() {
        return statementDirectory;
    }

    /** Records the channel's line for an outTradeNo once; a repeat returns the first line. */
    private Line record(String kind, String outTradeNo, long amountMinor, String currency,
            String status) {
        return lines.computeIfAbsent(outTradeNo, id -> {
            Instant now = clock.instant();
            // A token's funding belongs to its own business date (its outTradeNo says which); a
            // payout to the day the channel paid it.
            LocalDate date = "FUNDING".equals(kind) ? LocalDate.parse(id.substring(0, 8), PREFIX)
                    : LocalDate.ofInstant(now, businessZone);
            Line line = new Line(id, "SIM-" + channelRefs.incrementAndGet(), kind, amountMinor,
                    currency, status, now, date);
            if ("SUCCESS".equals(status) && decides(id, "drop", knobs.dropRate())) {
                faults.put(id, new Fault(id, kind, "DROPPED", amountMinor, null));
            } else if ("SUCCESS".equals(status) && decides(id, "mismatch", knobs.mismatchRate())) {
                faults.put(id, new Fault(id, kind, "AMOUNT_CHANGED", amountMinor,
                        amountMinor + 1));
            }
            return line;
        });
    }

    /** Deterministic per (seed, outTradeNo, knob): the same seed injects the same faults. */
    private boolean decides(String outTradeNo, String knob, double rate) {
        if (rate <= 0) {
            return false;
        }
        CRC32 crc = new CRC32();
        crc.update((knobs.seed() + "|" + knob + "|" + outTradeNo).getBytes(
                StandardCharsets.UTF_8));
        return (crc.getValue() % 1_000_000) < rate * 1_000_000;
    }

    /**
     * Writes the date's statement, with the injected faults applied, and returns the file:
     * {@code payments-<date>.csv} with the lines of that business date, or, when the channel
     * writes a bill, {@code bill-<date>.csv.gz} with the lines of that day on its own clock.
     */
    public Path writeStatement(LocalDate date, Path directory) throws IOException {
        if (knobs.bill() != null) {
            return ChannelBill.write(date, directory, stated(), knobs.bill());
        }
        Files.createDirectories(directory);
        List<String> out = new ArrayList<>();
        out.add("out_trade_no,channel_ref,kind,amount_minor,currency,status,paid_at");
        stated().stream().filter(line -> line.businessDate().equals(date))
                .forEach(line -> out.add(line.csv()));
        Path file = directory.resolve("payments-" + date + ".csv");
        Files.write(file, out, StandardCharsets.UTF_8);
        return file;
    }

    /** The lines as the channel states them (faults applied), in channel-reference order. */
    private List<Line> stated() {
        List<Line> stated = new ArrayList<>();
        lines.values().stream().sorted(Comparator.comparingLong(line -> Long.parseLong(
                line.channelRef().substring(4)))).forEach(line -> {
                    Fault fault = faults.get(line.outTradeNo());
                    if (fault == null) {
                        stated.add(line);
                    } else if (fault.statedAmountMinor() != null) {
                        stated.add(new Line(line.outTradeNo(), line.channelRef(), line.kind(),
                                fault.statedAmountMinor(), line.currency(), line.status(),
                                line.paidAt(), line.businessDate()));
                    }
                });
        return stated;
    }

    /** The settlement's settings for reading what this channel writes. */
    public List<String> settlementArguments() {
        return knobs.bill() == null ? List.of() : knobs.bill().settlementArguments();
    }

    /**
     * Business dates present in the channel's lines (normally one: today), and when it writes
     * bills, the days on its own clock those lines fall on.
     */
    public Set<LocalDate> dates() {
        Set<LocalDate> dates = new TreeSet<>();
        lines.values().forEach(line -> {
            dates.add(line.businessDate());
            if (knobs.bill() != null) {
                dates.add(LocalDate.ofInstant(line.paidAt(), knobs.bill().zone()));
            }
        });
        return dates;
    }

    public Collection<Fault> faults() {
        return List.copyOf(faults.values());
    }

    Collection<Line> lines() {
        return List.copyOf(lines.values());
    }

    /** Distinct tokens the channel has seen credited. */
    public int creditedTokens() {
        return credited.size();
    }

    public Map<String, TokenCredited> credited() {
        return Map.copyOf(credited);
    }

    /** p50 and p99 of issue-to-credit lag over the last {@code window}, or null when none. */
    public long[] lagPercentilesMs(Duration window) {
        long since = clock.millis() - window.toMillis();
        List<Long> recent = new ArrayList<>();
        synchronized (lagSamplesMs) {
            int count = Math.min(lagSampleCount, LAG_SAMPLES_MAX);
            for (int i = 0; i < count; i++) {
                if (lagSampleAtMs[i] >= since) {
                    recent.add(lagSamplesMs[i]);
                }
            }
        }
        if (recent.isEmpty()) {
            return null;
        }
        recent.sort(null);
        return new long[] {recent.get((recent.size() - 1) / 2),
            recent.get((int) Math.ceil(recent.size() * 0.99) - 1)};
    }

    private static void respond(HttpExchange exchange, int status, Map<String, ?> body)
            throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        consumerThread.join(10_000);
        consumer.close(Duration.ofSeconds(5));
        server.stop(0);
        httpThreads.shutdownNow();
    }
}
