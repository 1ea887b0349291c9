package dev.redrain.issuance.admin;

import dev.redrain.core.catalog.CatalogStore;
import dev.redrain.issuance.activity.CatalogRefresher;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.Connection;
import java.sql.SQLException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * How the admin API changes the catalog: through its owner ({@link CatalogStore}), in one
 * transaction with the change's audit row, then the snapshot reloaded so the answer and the
 * next grab see it. A duplicate key surfaces as Spring's DuplicateKeyException.
 */
@Component
class CatalogChanges {
    /** One step on the catalog's rows, on the transaction's connection. */
    @FunctionalInterface
    interface Step<T> {
        T apply(CatalogStore store, Connection connection) throws SQLException;
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final CatalogStore store;
    private final CatalogRefresher catalog;

    CatalogChanges(JdbcTemplate jdbc, TransactionTemplate transactions, CatalogStore store,
            CatalogRefresher catalog) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.store = store;
        this.catalog = catalog;
    }

    /** Runs {@code change} in one transaction (its audit rows included), then reloads. */
    <T> T apply(Step<T> change) {
        T result = transactions.execute(status -> onConnection(change));
        catalog.reload();
        return result;
    }

    /** A read of the catalog's rows outside a change (a check before one). */
    <T> T read(Step<T> read) {
        return onConnection(read);
    }

    /** The audit row of a change; called inside {@link #apply}, it commits with the change. */
    void audit(HttpServletRequest request, String action, String target, String before,
            String after, String reason) {
        AdminSupport.audit(jdbc, request, action, target, before, after, reason);
    }

    CatalogRefresher catalog() {
        return catalog;
    }

    private <T> T onConnection(Step<T> step) {
        return jdbc.execute((ConnectionCallback<T>) connection -> step.apply(store, connection));
    }
}
