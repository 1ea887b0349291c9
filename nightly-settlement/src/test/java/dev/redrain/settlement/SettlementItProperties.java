package dev.redrain.settlement;

import dev.redrain.testsupport.MariaDbExtension;
import dev.redrain.testsupport.RedisExtension;
import java.nio.file.Path;
import org.springframework.test.context.DynamicPropertyRegistry;

/** The settings every settlement ITCase points at its own database, Redis and folders. */
final class SettlementItProperties {
    private SettlementItProperties() {
    }

    static void register(DynamicPropertyRegistry registry, MariaDbExtension db,
            RedisExtension redis, Path statements, Path reports) {
        registry.add("spring.datasource.url", db::jdbcUrl);
        registry.add("spring.datasource.username", db::user);
        registry.add("spring.datasource.password", db::password);
        registry.add("redrain.settlement.redis-uri", redis::redisUri);
        registry.add("redrain.settlement.redis-namespace", redis::namespace);
        registry.add("redrain.settlement.statement-dir", statements::toString);
        registry.add("redrain.settlement.report-dir", reports::toString);
        registry.add("redrain.settlement.token-keys", () -> GrantFixtures.KEYS);
    }
}
