package dev.redrain.issuance.admin;

import dev.redrain.client.RequestSigner;
import dev.redrain.issuance.config.IssuanceProperties;
import dev.redrain.issuance.security.RoutedPath;
import dev.redrain.issuance.web.ErrorCode;
import dev.redrain.issuance.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards {@code /admin/} and the actuator (all but the bare health status), in whatever
 * spelling routes there ({@link RoutedPath}): a bearer
 * token of a configured operator (compared by its SHA-256,
 * in constant time), and a role that allows the method and path: VIEWER reads; OPERATOR also
 * changes the catalog, budgets and switches; FINANCE also works the break workflow and signs
 * nights ({@code /admin/finance/}). Neither writes the other's: the people who run a festival
 * do not decide what its money came to, and finance does not run the festival.
 * App credentials are never enough: a request carrying an app signature is refused here
 * whatever else it carries.
 */
@Component
@Order(0)
class AdminAuthFilter extends OncePerRequestFilter {
    static final String ACTOR = AdminAuthFilter.class.getName() + ".actor";

    private final Map<String, IssuanceProperties.Admin> admins;

    AdminAuthFilter(IssuanceProperties properties) {
        this.admins = properties.admins();
        admins.forEach((name, admin) -> {
            if (admin.tokenSha256() == null || !admin.tokenSha256().matches("[0-9a-f]{64}")
                    || !ROLES.contains(admin.role())) {
                throw new IllegalStateException("admin " + name + ": token-sha256 must be 64"
                        + " lowercase hex and role one of " + ROLES);
            }
        });
    }

    static final Set<String> ROLES = Set.of("VIEWER", "OPERATOR", "FINANCE");
    static final String FINANCE_PATHS = "/admin/finance/";

    /** What anyone reaching the port may read: UP or DOWN, for load balancers and probes. */
    private static final Set<String> PUBLIC_HEALTH = Set.of(
            "/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness");

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        if (RoutedPath.isUnder(request, "/admin/")) {
            return false;
        }
        // Health details and metrics (budgets remaining per template, outbox depth) are for
        // operators; only the bare status is public.
        return !RoutedPath.isUnder(request, "/actuator/") || (PUBLIC_HEALTH.contains(
                RoutedPath.of(request)) && request.getMethod().equals("GET"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
            FilterChain chain) throws ServletException, IOException {
        String authorization = request.getHeader("Authorization");
        if (request.getHeader(RequestSigner.APP_ID) != null
                || request.getHeader(RequestSigner.SIGNATURE) != null
                || authorization == null || !authorization.startsWith("Bearer ")) {
            refuse(request, response, 401, "the admin API needs an operator's bearer token");
            return;
        }
        byte[] presented = sha256(authorization.substring("Bearer ".length()).trim());
        String actor = null;
        String role = null;
        for (Map.Entry<String, IssuanceProperties.Admin> admin : admins.entrySet()) {
            byte[] expected = HexFormat.of().parseHex(admin.getValue().tokenSha256());
            if (MessageDigest.isEqual(presented, expected)) {
                actor = admin.getKey();
                role = admin.getValue().role();
            }
        }
        if (actor == null) {
            refuse(request, response, 401, "unknown operator token");
            return;
        }
        String writer = writerOf(request);
        if (!request.getMethod().equals("GET") && !role.equals(writer)) {
            refuse(request, response, 403, "role " + role + " cannot change this; role "
                    + writer + " can");
            return;
        }
        request.setAttribute(ACTOR, actor);
        chain.doFilter(request, response);
    }

    /**
     * The role that may write this path: FINANCE when every reading of it is under
     * {@link #FINANCE_PATHS}, OPERATOR when none is, and no role when the readings disagree.
     */
    private static String writerOf(HttpServletRequest request) {
        if (RoutedPath.isWhollyUnder(request, FINANCE_PATHS)) {
            return "FINANCE";
        }
        return RoutedPath.isUnder(request, FINANCE_PATHS) ? "NONE" : "OPERATOR";
    }

    private static void refuse(HttpServletRequest request, HttpServletResponse response,
            int status, String detail) throws IOException {
        Problems.write(request, response, HttpStatus.valueOf(status), status == 401
                ? ErrorCode.BAD_CREDENTIALS : ErrorCode.FORBIDDEN, detail, null);
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(
                    StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
