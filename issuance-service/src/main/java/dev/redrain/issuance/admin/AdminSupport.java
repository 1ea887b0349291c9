package dev.redrain.issuance.admin;

import dev.redrain.core.activity.Stage;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.jdbc.core.JdbcTemplate;

/** What every admin endpoint shares: the audit row, the reason, stage parsing. */
final class AdminSupport {
    static final int REASON_LENGTH_MAX = 512;

    private AdminSupport() {
    }

    /** One audit row, by the operator the request authenticated as. */
    static void audit(JdbcTemplate jdbc, HttpServletRequest request, String action,
            String target, String before, String after, String reason) {
        jdbc.update("INSERT INTO admin_audit (actor, action, target, before_value, after_value,"
                + " reason) VALUES (?, ?, ?, ?, ?, ?)", request.getAttribute(
                        AdminAuthFilter.ACTOR), action, target, before, after, reason);
    }

    static String reason(String reason) {
        return text("reason", reason, REASON_LENGTH_MAX);
    }

    static String text(String field, String value, int lengthMax) {
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
}
