package dev.redrain.stack;

import dev.redrain.stack.channel.PaymentChannel;
import dev.redrain.stack.cli.StackOptions;
import dev.redrain.stack.run.StackSettings;
import dev.redrain.testsupport.TestServices;
import java.nio.file.Path;

/** Stacks for the tests: the shared MariaDB and Redis, a database and namespace of their own. */
public final class TestStacks {
    private TestStacks() {
    }

    /** Free ports, a run folder under the build folder, database {@code database}. */
    public static StackSettings settings(String database, PaymentChannel.Knobs knobs,
            boolean faultable, int instances) throws Exception {
        Path home = Path.of(System.getProperty("redrain.home", ".."));
        Path run = home.resolve("local-stack").resolve("target").resolve("it-" + database);
        StackOptions.deleteTree(run);
        return new StackSettings(home, run, TestServices.databaseHost() + ":"
                + TestServices.databasePort(), TestServices.databaseUser(),
                TestServices.redisUri(), false, database, "it" + database, 0, instances, 0, 0,
                knobs, faultable);
    }

    /** Drops the test's database and empties its Redis namespace. */
    public static void dropDatabase(String name) throws Exception {
        try (var connection = java.sql.DriverManager.getConnection(TestServices.jdbcUrl(""),
                TestServices.databaseUser(), TestServices.databasePassword());
                var statement = connection.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name);
        }
        Stack.emptyNamespace(TestServices.redisUri(), "it" + name);
    }
}
