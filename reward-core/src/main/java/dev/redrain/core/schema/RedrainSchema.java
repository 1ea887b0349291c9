package dev.redrain.core.schema;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the migrations in the repository's {@code sql/} folder (packaged in this jar under
 * {@value #LOCATION}). The service, the jobs' setup and the tests all call this, so there is
 * one schema history. Applying to an up-to-date database is a no-op.
 */
public final class RedrainSchema {
    public static final String LOCATION = "classpath:db/migration/redrain";
    /** Flyway's history table; named so it cannot collide with another tool's. */
    public static final String HISTORY_TABLE = "redrain_schema_history";

    private RedrainSchema() {
    }

    /** Applies pending migrations and returns how many ran. */
    public static int migrate(DataSource dataSource) {
        MigrateResult result = flyway(dataSource).migrate();
        return result.migrationsExecuted;
    }

    public static Flyway flyway(DataSource dataSource) {
        return Flyway.configure(RedrainSchema.class.getClassLoader())
                .dataSource(dataSource)
                .locations(LOCATION)
                .table(HISTORY_TABLE)
                .failOnMissingLocations(true)
                .validateMigrationNaming(true)
                .load();
    }
}
