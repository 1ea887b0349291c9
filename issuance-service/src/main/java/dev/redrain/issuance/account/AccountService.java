package dev.redrain.issuance.account;

import dev.redrain.issuance.config.IssuanceProperties;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
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

    /** The actId of the app's user, binding one on first use. */
    public String bind(String appId, String userId) {
        String cacheKey = appId + "\u0000" + userId;
        String cached = cache.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        String actId = boundActId(appId, userId);
        if (actId == null) {
            String centerId = accountCenterId(appId, userId);
            jdbc.update("INSERT IGNORE INTO unified_account (act_id, account_center_id)"
                    + " VALUES (?, ?)", newActId(), centerId);
            String personActId = jdbc.queryForObject("SELECT act_id FROM unified_account WHERE"
                    + " account_center_id = ?", String.class, centerId);
            jdbc.update("INSERT IGNORE INTO account_binding (app_id, user_id, act_id)"
                    + " VALUES (?, ?, ?)", appId, userId, personActId);
            actId = boundActId(appId, userId);
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

    private String boundActId(String appId, String userId) {
        List<String> rows = jdbc.queryForList("SELECT act_id FROM account_binding WHERE app_id = ?"
                + " AND user_id = ?", String.class, appId, userId);
        return rows.isEmpty() ? null : rows.get(0);
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
