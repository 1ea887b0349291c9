package dev.redrain.issuance.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Writes a problem+json answer from a servlet filter, where no controller advice runs. */
final class Problems {
    private Problems() {
    }

    static void write(HttpServletRequest request, HttpServletResponse response, int status,
            String code, String detail) throws IOException {
        response.setStatus(status);
        response.setContentType("application/problem+json");
        String type = "https://redrain.dev/problems/" + code.toLowerCase(Locale.ROOT)
                .replace('_', '-');
        String json = "{\"type\":\"" + type + "\",\"title\":\"" + code + "\",\"status\":"
                + status + ",\"detail\":\"" + escape(detail) + "\",\"instance\":\""
                + escape(request.getRequestURI()) + "\",\"code\":\"" + code + "\"}";
        response.getOutputStream().write(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
