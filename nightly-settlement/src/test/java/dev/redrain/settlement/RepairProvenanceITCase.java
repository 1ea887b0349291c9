package dev.redrain.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.event.TokenIssued;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.TokenHash;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.TokenKeyRing;
import dev.redrain.settlement.statement.RedrainCsvFormat;
import dev.redrain.testsupport.CatalogRows;
import dev.redrain.testsupport.KafkaExtension;
import dev.redrain.testsupport.MariaDbExtension;
import dev.redrain.testsupport.RedisExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The attacker can write to Redis. A token hash they plant, ISSUED and hours old, looks to
 * the night exactly like a grant the stream missed. The repair must not credit it: it
 * re-credits only a hash whose grant proof verifies and whose event is on the token-issued
 * topic or in the outbox. Everything else stays open as UNPROVEN, for finance, with why.
 */
@SpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class RepairProvenanceITCase {
    @RegisterExtension
    static final MariaDbExtension DB = new MariaDbExtension().afterCreate(RedrainSchema::migrate);
    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();
    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    static final LocalDate NIGHT = LocalDate.of(2026, 11, 20);
    static final Topics TOPICS = new Topics("rp" + java.util.UUID.randomUUID().toString()
            .substring(0, 8) + ".");
    static final Path statements = tempDirectory("statements");
    static final Path reports = tempDirectory("reports");
    private static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");
    private static final OutTradeNoGenerator NUMBERS = new OutTradeNoGenerator(Clock.fixed(
            NIGHT.atTime(20, 0).atZone(SHANGHAI).toInstant(), SHANGHAI), SHANGHAI, "7K2M9QX4TC");

    @Autowired
    SettlementRunner runner;
    @Autowired
    JdbcTemplate jdbc;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        SettlementItProperties.register(registry, DB, REDIS, statements, reports);
        registry.add("redrain.settlement.kafka-bootstrap", KAFKA::bootstrapServers);
        registry.add("redrain.settlement.topic-prefix", TOPICS::prefix);
    }

    @Test
    void onlyAProvenAndRecordedGrantIsRepaired() throws Exception {
        KAFKA.broker().createTopics(Map.of(TOPICS.tokenIssued(), 3));
        CatalogRows.uniformTemplate(DB.dataSource(), "act", "act-formal", "FORMAL", "tpl-cash",
                "CASH", "CNY", 100_000, 1_000_000_000);
        RedisKeys keys = new RedisKeys(REDIS.namespace());
        Instant threeHoursAgo = Instant.now().minus(3, ChronoUnit.HOURS);

        // Planted: written straight into Redis, no proof at all.
        TokenIssued planted = GrantFixtures.event(NUMBERS.next(), "A1", "act-formal", "tpl-cash",
                "CASH", 50_000, "CNY", threeHoursAgo);
        Map<String, String> plantedHash = GrantFixtures.hash(planted, "ISSUED");
        plantedHash.remove(TokenHash.GRANT_PROOF);
        REDIS.commands().hset(keys.token("A1", planted.outTradeNo()), plantedHash);
        // Planted with a proof made under a key that is not ours.
        TokenIssued foreign = GrantFixtures.event(NUMBERS.next(), "A2", "act-formal", "tpl-cash",
                "CASH", 40_000, "CNY", threeHoursAgo);
        byte[] otherKey = new byte[32];
        new SecureRandom().nextBytes(otherKey);
        foreign = foreign.withGrantProof(new GrantProof(TokenKeyRing.of(Map.of("s1", otherKey),
                "s1")).sign(foreign.grant()));
        REDIS.commands().hset(keys.token("A2", foreign.outTradeNo()),
                GrantFixtures.hash(foreign, "ISSUED"));
        // A genuine proof whose amount was raised in Redis afterwards.
        TokenIssued raised = GrantFixtures.event(NUMBERS.next(), "A3", "act-formal", "tpl-cash",
                "CASH", 100, "CNY", threeHoursAgo);
        Map<String, String> raisedHash = GrantFixtures.hash(raised, "ISSUED");
        raisedHash.put(TokenHash.AMOUNT_MINOR, "90000");
        REDIS.commands().hset(keys.token("A3", raised.outTradeNo()), raisedHash);
        GrantFixtures.outbox(jdbc, TOPICS, raised);
        // Proven, but on no record: no event on the topic, no outbox row.
        TokenIssued unrecorded = GrantFixtures.event(NUMBERS.next(), "A4", "act-formal",
                "tpl-cash", "CASH", 200, "CNY", threeHoursAgo);
        REDIS.commands().hset(keys.token("A4", unrecorded.outTradeNo()),
                GrantFixtures.hash(unrecorded, "ISSUED"));
        // Genuine: proven, and its event is on the topic.
        TokenIssued genuine = GrantFixtures.event(NUMBERS.next(), "A5", "act-formal", "tpl-cash",
                "CASH", 300, "CNY", threeHoursAgo);
        REDIS.commands().hset(keys.token("A5", genuine.outTradeNo()),
                GrantFixtures.hash(genuine, "ISSUED"));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                KAFKA.producerProperties())) {
            producer.send(new ProducerRecord<>(TOPICS.tokenIssued(), null,
                    genuine.issuedAt().toEpochMilli(), genuine.actId(),
                    GrantFixtures.bytes(genuine))).get();
        }
        // Proven and on the topic, but beyond its stage's budget: the ledger refuses it.
        CatalogRows.uniformTemplate(DB.dataSource(), "tight", "tight-formal", "FORMAL",
                "tight-cash", "CASH", "CNY", 1_000, 100);
        TokenIssued beyond = GrantFixtures.event(NUMBERS.next(), "A6", "tight-formal",
                "tight-cash", "CASH", 500, "CNY", threeHoursAgo);
        REDIS.commands().hset(keys.token("A6", beyond.outTradeNo()),
                GrantFixtures.hash(beyond, "ISSUED"));
        GrantFixtures.outbox(jdbc, TOPICS, beyond);
        Files.writeString(statements.resolve("payments-" + NIGHT + ".csv"), RedrainCsvFormat.HEADER
                + "\n" + genuine.outTradeNo() + ",CH-1,FUNDING,300,CNY,SUCCESS," + Instant.EPOCH
                + "\n", StandardCharsets.UTF_8);

        assertThat(runner.settle(NIGHT, false)).isZero();

        assertThat(brk(planted)).containsEntry("status", "UNPROVEN")
                .containsEntry("owner", "FINANCE");
        assertThat((String) brk(planted).get("evidence")).startsWith("GRANT_PROOF_MISSING");
        assertThat((String) brk(foreign).get("evidence")).startsWith("GRANT_PROOF_NOT_AUTHENTIC");
        assertThat((String) brk(raised).get("evidence")).startsWith("GRANT_PROOF_NOT_AUTHENTIC");
        assertThat((String) brk(unrecorded).get("evidence")).startsWith("NOT_CORROBORATED");
        for (TokenIssued refused : new TokenIssued[] {planted, foreign, raised, unrecorded}) {
            assertThat(brk(refused)).containsEntry("status", "UNPROVEN");
            assertThat(journals(refused)).as(refused.outTradeNo()).isZero();
            assertThat(REDIS.commands().hget(keys.token(refused.actId(), refused.outTradeNo()),
                    TokenHash.STATUS)).isEqualTo("ISSUED");
        }
        assertThat(brk(genuine)).containsEntry("status", "REPAIRED");
        assertThat(journals(genuine)).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT amount_minor FROM ledger_journal WHERE"
                + " out_trade_no = ?", Long.class, genuine.outTradeNo())).isEqualTo(300);
        assertThat(jdbc.queryForObject("SELECT COALESCE(SUM(amount_minor), 0) FROM"
                + " ledger_journal", Long.class)).isEqualTo(300);
        assertThat(Files.readString(reports.resolve(NIGHT.toString())
                .resolve("breaks-ISSUED_NOT_CREDITED.csv"))).contains("UNPROVEN")
                .contains("GRANT_PROOF_MISSING").contains("NOT_CORROBORATED");

        assertThat(journals(beyond)).as("refused by the ledger's budget").isZero();
        assertThat(jdbc.queryForObject("SELECT outcome FROM recon_repair WHERE out_trade_no = ?",
                String.class, beyond.outTradeNo())).startsWith("OVER_BUDGET");

        // The next night finds them again: still UNPROVEN, still not credited; the refused
        // grant is named OVER_BUDGET, for finance.
        assertThat(runner.settle(NIGHT, true)).isZero();
        assertThat(brk(planted)).containsEntry("status", "UNPROVEN");
        assertThat(journals(planted)).isZero();
        assertThat(jdbc.queryForMap("SELECT status, owner FROM recon_break WHERE out_trade_no = ?"
                + " AND category = 'OVER_BUDGET'", beyond.outTradeNo()))
                .containsEntry("status", "OPEN").containsEntry("owner", "FINANCE");
        assertThat(journals(beyond)).isZero();
        assertThat(Files.readString(reports.resolve(NIGHT.toString())
                .resolve("breaks-OVER_BUDGET.csv"))).contains(beyond.outTradeNo());
        // The rendered report: the refused grant's category, and the two activities apart.
        String page = RenderedReport.dom(reports.resolve(NIGHT.toString())
                .resolve("report.html"));
        assertThat(page).contains(">OVER_BUDGET<").contains(">ISSUED_NOT_CREDITED<")
                .contains("Activity act-formal, stage FORMAL")
                .contains("Activity tight-formal, stage FORMAL");
        assertThat(RenderedReport.pdfText(reports.resolve(NIGHT.toString())
                .resolve("report.pdf"))).contains("OVER_BUDGET").contains("tight-formal");
    }

    private Map<String, Object> brk(TokenIssued event) {
        return jdbc.queryForMap("SELECT status, owner, evidence FROM recon_break WHERE"
                + " out_trade_no = ? AND category = 'ISSUED_NOT_CREDITED'", event.outTradeNo());
    }

    private long journals(TokenIssued event) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM ledger_journal WHERE out_trade_no = ?",
                Long.class, event.outTradeNo());
    }

    private static Path tempDirectory(String name) {
        try {
            return Files.createTempDirectory("redrain-" + name);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
