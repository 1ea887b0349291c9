package dev.redrain.issuance.config;

import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.core.ids.OutTradeNoGenerator;
import dev.redrain.core.keys.RedisKeys;
import dev.redrain.core.keys.Topics;
import dev.redrain.core.ledger.LedgerWriter;
import dev.redrain.core.ledger.WalletLedger;
import dev.redrain.core.schema.RedrainSchema;
import dev.redrain.core.token.GrantProof;
import dev.redrain.core.token.TokenCodec;
import dev.redrain.core.token.TokenKeyRing;
import dev.redrain.issuance.events.EventPublisher;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Properties;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The service's connections to Redis, Kafka and MySQL, and the shared core objects. */
@Configuration(proxyBeanMethods = false)
public class InfrastructureConfig {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    RedisKeys redisKeys(IssuanceProperties properties) {
        return new RedisKeys(properties.namespace());
    }

    @Bean
    Topics topics(IssuanceProperties properties) {
        return new Topics(properties.topicPrefix());
    }

    /**
     * Every Redis command has a deadline ({@code redrain.redis-command-timeout}, 2 s): a grab
     * whose Redis hangs or is restarting gets a 503 it can retry, never a request that hangs
     * (Lettuce's default is 60 s). Commands sent while the connection is re-established still
     * wait for it, within that deadline: refusing them at once would fail the quiet give-back
     * of a reserved pool packet and lose the packet (RedisLossITCase holds this).
     */
    @Bean(destroyMethod = "shutdown")
    RedisClient redisClient(IssuanceProperties properties,
            @Value("${redrain.redis-command-timeout:2s}") Duration commandTimeout) {
        RedisURI uri = RedisURI.create(properties.redisUri());
        uri.setTimeout(commandTimeout);
        RedisClient client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
        return client;
    }

    /** One multiplexed connection: Lettuce pipelines every caller's commands over it. */
    @Bean(destroyMethod = "close")
    StatefulRedisConnection<String, String> redis(RedisClient client) {
        return client.connect();
    }

    @Bean(destroyMethod = "close")
    KafkaProducer<String, byte[]> kafkaProducer(IssuanceProperties properties) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafkaBootstrap());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        // A send that cannot reach the broker fails fast; the event then goes to the outbox.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                EventPublisher.DELIVERY_TIMEOUT_MS);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(config);
    }

    @Bean
    TokenKeyRing tokenKeyRing(IssuanceProperties properties) {
        if (properties.tokenKeys() == null || properties.tokenActiveKeyId() == null) {
            throw new IllegalStateException("redrain.token-keys and redrain.token-active-key-id"
                    + " must be configured (from the secret store; see runbooks/key-rotation.md)");
        }
        return TokenKeyRing.parse(properties.tokenKeys(), properties.tokenActiveKeyId());
    }

    /** The catalog tables' owner, shared with the jobs and the settlement. */
    @Bean
    CatalogStore catalogStore() {
        return new CatalogStore();
    }

    @Bean
    TokenCodec tokenCodec(TokenKeyRing tokenKeyRing) {
        return new TokenCodec(tokenKeyRing);
    }

    /** Signs every grant, so the credit job and the nightly repair can tell it is ours. */
    @Bean
    GrantProof grantProof(TokenKeyRing tokenKeyRing) {
        return new GrantProof(tokenKeyRing);
    }

    @Bean
    OutTradeNoGenerator outTradeNoGenerator(Clock clock, IssuanceProperties properties) {
        return OutTradeNoGenerator.withRandomInstance(clock, ZoneId.of(properties.businessZone()));
    }

    @Bean
    LedgerWriter ledgerWriter(DataSource dataSource, Clock clock,
            SchemaMigrated migrated) {
        return new LedgerWriter(dataSource, clock);
    }

    @Bean
    WalletLedger walletLedger(DataSource dataSource, Clock clock,
            SchemaMigrated migrated) {
        return new WalletLedger(dataSource, clock);
    }

    /** Applies the schema migrations before anything reads a table. */
    @Bean
    SchemaMigrated schemaMigrated(DataSource dataSource) {
        RedrainSchema.migrate(dataSource);
        return new SchemaMigrated();
    }

    /** A marker other beans depend on so they start after the migration. */
    public static final class SchemaMigrated {
    }
}
