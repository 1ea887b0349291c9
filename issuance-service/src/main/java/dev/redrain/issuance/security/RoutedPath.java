package dev.redrain.issuance.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;

/**
 * The path a request will be routed by, for guards to decide on. The raw request URI is what
 * the client typed ({@code /%61dmin/}, {@code /admin;x=1/}, {@code //admin/},
 * {@code /admin/../admin/}); the servlet container decodes it, drops path parameters, merges
 * slashes and resolves dot segments before the router sees it. A guard that compared the raw
 * URI would let every other spelling of its prefix past it, so guards compare this one, and
 * without regard to case (a route that differs only in case finds no handler, but must not
 * be reachable unguarded either).
 */
public final class RoutedPath {
    private RoutedPath() {
    }

    /** The decoded, normalised path within the application. */
    public static String of(HttpServletRequest request) {
        String servletPath = request.getServletPath() == null ? "" : request.getServletPath();
        String pathInfo = request.getPathInfo() == null ? "" : request.getPathInfo();
        return servletPath + pathInfo;
    }

    /** True when the request routes to {@code prefix} (for example {@code /admin/}), any case. */
    public static boolean isUnder(HttpServletRequest request, String prefix) {
        String path = of(request).toLowerCase(Locale.ROOT);
        String wanted = prefix.toLowerCase(Locale.ROOT);
        return path.startsWith(wanted) || path.equals(wanted.substring(0, wanted.length() - 1));
    }
}
