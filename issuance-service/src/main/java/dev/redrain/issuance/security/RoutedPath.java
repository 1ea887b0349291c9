package dev.redrain.issuance.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import org.springframework.web.util.UrlPathHelper;

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

    /** The decoded, normalised path within the application, as the container routes it. */
    public static String of(HttpServletRequest request) {
        String servletPath = request.getServletPath() == null ? "" : request.getServletPath();
        String pathInfo = request.getPathInfo() == null ? "" : request.getPathInfo();
        return servletPath + pathInfo;
    }

    /**
     * True when any reading of the request's path reaches {@code prefix} (for example
     * {@code /admin/}), in any case: the container's routed path, Spring's decoded lookup path,
     * or the raw URI. A guard that applies whenever one of them matches fails closed if a
     * container or a servlet mapping reads the path differently from the others.
     */
    public static boolean isUnder(HttpServletRequest request, String prefix) {
        String wanted = prefix.toLowerCase(Locale.ROOT);
        return startsWith(of(request), wanted)
                || startsWith(UrlPathHelper.defaultInstance.getPathWithinApplication(request),
                        wanted)
                || startsWith(request.getRequestURI(), wanted);
    }

    /**
     * True only when every reading of the path reaches {@code prefix}: for a guard that grants
     * more under a prefix than outside it, so that a spelling the router reads as another path
     * ({@code /admin/finance/../templates/x}) gets nothing the prefix grants.
     */
    public static boolean isWhollyUnder(HttpServletRequest request, String prefix) {
        String wanted = prefix.toLowerCase(Locale.ROOT);
        return startsWith(of(request), wanted)
                && startsWith(UrlPathHelper.defaultInstance.getPathWithinApplication(request),
                        wanted)
                && startsWith(request.getRequestURI(), wanted);
    }

    private static boolean startsWith(String path, String wantedLowerCase) {
        if (path == null) {
            return false;
        }
        String lower = path.toLowerCase(Locale.ROOT);
        return lower.startsWith(wantedLowerCase)
                || lower.equals(wantedLowerCase.substring(0, wantedLowerCase.length() - 1));
    }
}
