package dev.redrain.issuance.config;

import dev.redrain.core.secrets.Redacted;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything the service is configured with, under {@code redrain.*}. Secrets (app signing
 * secrets, token keys) come from the environment or a secret store through Spring's
 * placeholders; nothing secret has a default.
 *
 * @param redisUri Redis (a single node or a cluster entry point)
 * @param namespace prefix of every Redis key this deployment owns
 * @param kafkaBootstrap Kafka bootstrap servers
 * @param topicPrefix prefix of the topic names ({@code redrain.})
 * @param businessZone the zone whose calendar day is the business date
 * @param tokenKeys token key ring, {@code id:base64key,id:base64key} (see TokenKeyRing.parse)
 * @param tokenActiveKeyId the key new tokens are sealed with
 * @param apps signing secret and account-center group per appId
 * @param admins admin API operators by name
 * @param signatureSkew how far a request's timestamp may be from the server's clock
 * @param grabClaimTtl how long a grab in progress holds its idempotency key before another
 *     request may take it over (a crashed instance's grab)
 * @param grabRecordTtl how long the answer to an idempotency key is kept
 */
@ConfigurationProperties("redrain")
public record IssuanceProperties(
        @DefaultValue("redis://127.0.0.1:6379") String redisUri,
        @DefaultValue("rd") String namespace,
        @DefaultValue("127.0.0.1:9092") String kafkaBootstrap,
        @DefaultValue("redrain.") String topicPrefix,
        @DefaultValue("Asia/Shanghai") String businessZone,
        String tokenKeys,
        String tokenActiveKeyId,
        Map<String, App> apps,
        Map<String, Admin> admins,
        @DefaultValue("5m") Duration signatureSkew,
        @DefaultValue("10s") Duration grabClaimTtl,
        @DefaultValue("8d") Duration grabRecordTtl) {

    /**
     * One calling app.
     *
     * @param secret HMAC-SHA256 signing secret (at least 32 characters)
     * @param previousSecret the secret being rotated out, also accepted while set (null when
     *     no rotation is under way; see runbooks/key-rotation.md)
     * @param accountCenter the account center the app's user ids belong to: apps that share
     *     one (the same person has the same user id in each) share actIds
     */
    public record App(String secret, String previousSecret, String accountCenter) {
        /** Never prints a secret. */
        @Override
        public String toString() {
            return "App{accountCenter=" + accountCenter + ", rotating=" + (previousSecret != null)
                    + "}";
        }
    }

    /**
     * One operator of the admin API.
     *
     * @param tokenSha256 lowercase hex SHA-256 of the operator's bearer token (the token itself
     *     is never configured)
     * @param role VIEWER (read budgets and switches) or OPERATOR (also change them)
     */
    public record Admin(String tokenSha256, String role) {
    }

    public IssuanceProperties {
        apps = apps == null ? Map.of() : Map.copyOf(apps);
        admins = admins == null ? Map.of() : Map.copyOf(admins);
    }

    /** Never prints a secret: no token keys, no signing secrets, no credentials in a URI. */
    @Override
    public String toString() {
        return "IssuanceProperties{redisUri=" + Redacted.uri(redisUri)
                + ", namespace=" + namespace + ", kafka=" + kafkaBootstrap + ", topicPrefix="
                + topicPrefix + ", businessZone=" + businessZone + ", tokenActiveKeyId="
                + tokenActiveKeyId + ", apps=" + apps + ", admins=" + admins.keySet()
                + ", signatureSkew=" + signatureSkew + ", grabClaimTtl=" + grabClaimTtl
                + ", grabRecordTtl=" + grabRecordTtl + "}";
    }
}
