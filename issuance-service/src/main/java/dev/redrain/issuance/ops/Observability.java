package dev.redrain.issuance.ops;

import dev.redrain.core.catalog.Template;
import dev.redrain.core.keys.Topics;
import dev.redrain.issuance.activity.CatalogRefresher;
import dev.redrain.issuance.budget.BudgetGuard;
import dev.redrain.issuance.budget.BudgetStore;
import dev.redrain.issuance.config.IssuanceProperties;
import dev.redrain.issuance.events.OutboxRelay;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Health of Redis, Kafka and the budgets (MySQL's comes with Spring Boot), and the service's
 * gauges: outbox depth and budget remaining per template (refreshed every 5 s, not per scrape,
 * so a scrape never fans out to every shard).
 */
@Configuration(proxyBeanMethods = false)
class Observability {
    private final Map<String, Long> remainingByTemplate = new ConcurrentHashMap<>();
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private volatile long outboxDepth;

    @Bean
    HealthIndicator redisHealth(StatefulRedisConnection<String, String> redis) {
        return () -> {
            try {
                return "PONG".equals(redis.sync().ping()) ? Health.up().build()
                        : Health.down().build();
            } catch (RuntimeException e) {
                return Health.down(e).build();
            }
        };
    }

    @Bean(destroyMethod = "close")
    Admin kafkaHealthAdmin(IssuanceProperties properties) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafkaBootstrap());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
        return Admin.create(config);
    }

    @Bean
    HealthIndicator kafkaHealth(Admin kafkaHealthAdmin, Topics topics) {
        return () -> {
            try {
                int brokers = kafkaHealthAdmin.describeCluster(new DescribeClusterOptions()
                        .timeoutMs(2_000)).nodes().get(3, TimeUnit.SECONDS).size();
                // Down Kafka does not stop grabs (the outbox takes the events): report it as
                // out of service for alerting, not as a reason to stop routing traffic here.
                return Health.up().withDetail("brokers", brokers)
                        .withDetail("topic", topics.tokenIssued()).build();
            } catch (Exception e) {
                return Health.outOfService().withDetail("error", e.toString()).build();
            }
        };
    }

    @Bean
    HealthIndicator budgetHealth(BudgetGuard guard) {
        return () -> {
            if (guard.state() != BudgetGuard.State.LIVE) {
                return Health.down().withDetail("state", guard.state().name())
                        .withDetail("runbook", "runbooks/budget-rebuild.md").build();
            }
            Set<String> degraded = guard.degradedTemplates();
            // A DEGRADED template refuses its grabs while the others serve: still UP, with the
            // templates named so that an alert on the detail can page.
            return degraded.isEmpty() ? Health.up().build() : Health.up()
                    .withDetail("degradedTemplates", new TreeSet<>(degraded))
                    .withDetail("runbook", "runbooks/budget-rebuild.md").build();
        };
    }

    @Bean
    Object observabilityGauges(MeterRegistry meters) {
        Gauge.builder("redrain.outbox.depth", () -> outboxDepth).register(meters);
        return new Object();
    }

    @Bean
    GaugeRefresher gaugeRefresher(OutboxRelay relay, BudgetStore budgets,
            CatalogRefresher catalog, MeterRegistry meters) {
        return new GaugeRefresher(relay, budgets, catalog, meters);
    }

    /** Refreshes the gauges every 5 s. */
    class GaugeRefresher {
        private final OutboxRelay relay;
        private final BudgetStore budgets;
        private final CatalogRefresher catalog;
        private final MeterRegistry meters;

        GaugeRefresher(OutboxRelay relay, BudgetStore budgets, CatalogRefresher catalog,
                MeterRegistry meters) {
            this.relay = relay;
            this.budgets = budgets;
            this.catalog = catalog;
            this.meters = meters;
        }

        @Scheduled(fixedDelay = 5_000)
        void refresh() {
            try {
                outboxDepth = relay.depth();
                for (Template template : catalog.current().templates().values()) {
                    remainingByTemplate.put(template.templateId(), budgets.remaining(template));
                    if (registered.add(template.templateId())) {
                        Gauge.builder("redrain.budget.remaining.minor", remainingByTemplate,
                                map -> map.getOrDefault(template.templateId(), -1L))
                                .tag("template", template.templateId())
                                .tag("currency", template.currency()).register(meters);
                    }
                }
            } catch (RuntimeException e) {
                // Gauges keep their last values; health reports the dependency.
            }
        }
    }
}
