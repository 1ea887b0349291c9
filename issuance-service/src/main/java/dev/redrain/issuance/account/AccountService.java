package dev.redrain.issuance.account;

import dev.redrain.issuance.config.IssuanceProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * The unified account id. An (appId, userId) pair is bound to one actId on first use. Apps
 * that share an account center (the same person has the same user id in each) share actIds:
 * the person is found by their account-center id. Binding is race-free across instances: the
 * unique keys decide, and every caller reads back the winner.
 */
@Service
public class AccountService {
    /** Bindings kept in memory per instance; a binding never changes once made. */
    static final int CACHE_ENTRIES_MAX = 1_000_000;

    private final JdbcTemplate jdbc;
    private final IssuanceProperties properties;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, String> cache = new ConcurrentHashMap<>();

    AccountService(JdbcTemplate jdbc, IssuanceProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
    }

    /** The actId already bound to the app's user, if any: binds nothing. */
    public Optional<String> bound(String appId, String userId) {
        String cached = cache.get(appId + "\u0000" + userId);
        if (cached != null) {
            return Optional.of(cached);
        }
        return Optional.ofNullable(jdbc.execute((Connection connection) ->
                boundActId(connection, appId, userId)));
    }

    /**
     * The actId of the app's user, binding one on first use. A binding takes one pooled
     * connection for all its statements (a new user's four round trips, a known user's one):
     * borrowing per statement made a first tap wait for the pool up to four times, and with
     * MySQL briefly slow each wait could reach the pool's deadline (a 503 for the grab).
     */
    public String bind(String appId, String userId) {
        String cacheKey = appId + "\u0000" + userId;
        String cached = cache.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        String actId = jdbc.execute((Connection connection) -> {
            String bound = boundActId(connection, appId, userId);
            if (bound != null) {
                return bound;
            }
            String centerId = accountCenterId(appId, userId);
            try (PreparedStatement person = connection.prepareStatement("INSERT IGNORE INTO"
                    + " unified_account (act_id, account_center_id) VALUES (?, ?)")) {
                person.setString(1, newActId());
                person.setString(2, centerId);
                person.executeUpdate();
            }
            // The person's actId, whoever created it, bound to this app's user unless a
            // concurrent request bound it first: the unique keys decide, the read-back tells.
            try (PreparedStatement binding = connection.prepareStatement("INSERT IGNORE INTO"
                    + " account_binding (app_id, user_id, act_id) SELECT ?, ?, act_id FROM"
                    + " unified_account WHERE account_center_id = ?")) {
                binding.setString(1, appId);
                binding.setString(2, userId);
                binding.setString(3, centerId);
                binding.executeUpdate();
            }
            return boundActId(connection, appId, userId);
        });
        if (actId == null) {
            throw new IllegalStateException("no binding for " + appId + "/" + userId
                    + " after binding it");
        }
        if (cache.size() >= CACHE_ENTRIES_MAX) {
            cache.clear();
        }
        cache.put(cacheKey, actId);
        return actId;
    }

    /** True when the actId is bound to some user of the app. */
    public boolean isBoundInApp(String appId, String actId) {
        Integer count = jdbc.queryForObject("SELECT COUNT(*) FROM account_binding WHERE app_id = ?"
                + " AND act_id = ?", Integer.class, appId, actId);
        return count != null && count > 0;
    }

    private static String boundActId(Connection connection, String appId,
            String userId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT act_id FROM"
                + " account_binding WHERE app_id = ? AND user_id = ?")) {
            select.setString(1, appId);
            select.setString(2, userId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    /** The person's id at their account center; apps without a shared center are their own. */
    private String accountCenterId(String appId, String userId) {
        IssuanceProperties.App app = properties.apps().get(appId);
        String center = app != null && app.accountCenter() != null ? app.accountCenter()
                : "app-" + appId;
        String id = center + ":" + userId;
        if (id.length() <= 64) {
            return id;
        }
        try {
            return "h:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(id.getBytes(StandardCharsets.UTF_8))).substring(0, 60);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private String newActId() {
        byte[] bytes = new byte[10];
        random.nextBytes(bytes);
        return "A" + HexFormat.of().formatHex(bytes);
    }
}
