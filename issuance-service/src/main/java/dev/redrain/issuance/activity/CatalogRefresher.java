package dev.redrain.issuance.activity;

import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.issuance.config.InfrastructureConfig.SchemaMigrated;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Holds the current {@link Catalog} and reloads it from MySQL every second, so an operator's
 * change reaches every instance within about a second. A failed reload keeps the last good
 * snapshot (grabs go on) and is logged.
 */
@Component
public class CatalogRefresher {
    private static final Logger LOG = LoggerFactory.getLogger(CatalogRefresher.class);

    private final JdbcTemplate jdbc;
    private final CatalogStore store;
    private volatile Catalog current = Catalog.empty();

    CatalogRefresher(JdbcTemplate jdbc, CatalogStore store, SchemaMigrated migrated) {
        this.jdbc = jdbc;
        this.store = store;
        reload();
    }

    public Catalog current() {
        return current;
    }

    @Scheduled(fixedDelayString = "${redrain.catalog-refresh:1s}")
    void scheduledReload() {
        try {
            reload();
        } catch (RuntimeException e) {
            LOG.warn("catalog reload failed; keeping the last snapshot: {}", e.toString());
        }
    }

    /** Loads a fresh snapshot now (admin changes call this so their own answer sees it). */
    public Catalog reload() {
        CatalogStore.Snapshot rows = jdbc.execute((ConnectionCallback<CatalogStore.Snapshot>)
                store::read);
        Catalog catalog = Catalog.of(rows);
        current = catalog;
        return catalog;
    }
}
