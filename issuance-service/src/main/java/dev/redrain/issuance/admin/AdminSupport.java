package dev.redrain.issuance.admin;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.catalog.UserCaps;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;

/** What every admin endpoint shares: the audit row, the reason, stage parsing. */
public final class AdminSupport {
    public static final int REASON_LENGTH_MAX = 512;

    private AdminSupport() {
    }

    /** One audit row, by the operator the request authenticated as. */
    public static void audit(JdbcTemplate jdbc, HttpServletRequest request, String action,
            String target, String before, String after, String reason) {
        jdbc.update("INSERT INTO admin_audit (actor, action, target, before_value, after_value,"
                + " reason) VALUES (?, ?, ?, ?, ?, ?)", actor(request), action, target,
                clip(before), clip(after), reason);
    }

    /**
     * The operator {@link AdminAuthFilter} authenticated. A handler reached without one (a
     * route the filter did not see) refuses rather than act or audit anonymously.
     */
    public static String actor(HttpServletRequest request) {
        if (!(request.getAttribute(AdminAuthFilter.ACTOR) instanceof String actor)) {
            throw new ApiException(HttpStatus.UNAUTHORIZED, ErrorCode.BAD_CREDENTIALS,
                    "the admin API needs an operator's bearer token");
        }
        return actor;
    }

    /** Values longer than their audit column keep their start, marked as cut. */
    private static String clip(String value) {
        int columnMax = 255;
        return value == null || value.length() <= columnMax ? value
                : value.substring(0, columnMax - 3) + "...";
    }

    /** What a change changed, as {@code field=value ...}, cut to the audit column. */
    static String describe(Map<String, String> changed) {
        String text = changed.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
        return text.length() <= 255 ? text : text.substring(0, 252) + "...";
    }

    static String reason(String reason) {
        return text("reason", reason, REASON_LENGTH_MAX);
    }

    public static String text(String field, String value, int lengthMax) {
        if (value == null || value.isBlank() || value.length() > lengthMax) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, field + " is required, at"
                    + " most " + lengthMax + " characters");
        }
        return value;
    }

    static Stage stage(String name) {
        try {
            return Stage.valueOf(name == null ? "" : name);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD,
                    "stage must be INTERNAL_TEST, GRAY or FORMAL");
        }
    }

    /**
     * A template's per-user caps as the admin API takes them: each a positive number, or absent
     * (or null) for no cap.
     */
    record UserCapsBody(Long count, Long amountMinor, Long dailyCount, Long dailyAmountMinor) {
        UserCaps caps() {
            return new UserCaps(cap("count", count), cap("amountMinor", amountMinor),
                    cap("dailyCount", dailyCount), cap("dailyAmountMinor", dailyAmountMinor));
        }

        private static long cap(String field, Long value) {
            if (value != null && value <= 0) {
                throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "userCaps." + field
                        + " must be positive, or left out for no cap");
            }
            return value == null ? 0 : value;
        }
    }

    /** The four reward_template cap columns (NULL: no cap), in column order. */
    static Object[] capColumns(UserCaps caps) {
        return new Object[] {orNull(caps.count()), orNull(caps.amountMinor()),
            orNull(caps.dailyCount()), orNull(caps.dailyAmountMinor())};
    }

    private static Long orNull(long cap) {
        return cap == 0 ? null : cap;
    }
}
