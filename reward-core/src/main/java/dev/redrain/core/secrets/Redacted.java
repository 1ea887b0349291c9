package dev.redrain.core.secrets;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Connection strings as they may be shown: in logs, {@code toString()}s and job
 * configurations. A Redis URI's user info ({@code redis://:secret@host}) and a JDBC URL's
 * {@code password=} parameter are replaced by {@code ***}; everything else stays readable.
 */
public final class Redacted {
    private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^/@]*@");
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile(
            "(?i)((?:password|pwd|secret)=)[^&;]*");

    private Redacted() {
    }

    /**
     * Job parameters as they may be shown (Flink puts its global job parameters in the web
     * UI): a parameter whose name says it is a password or secret is left out, and every value
     * is shown as {@link #uri} shows it.
     */
    public static Map<String, String> parameters(Map<String, String> all) {
        Map<String, String> shown = new TreeMap<>();
        all.forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!lower.endsWith("password") && !lower.endsWith("secret")) {
                shown.put(name, uri(value));
            }
        });
        return shown;
    }

    public static String uri(String uri) {
        if (uri == null) {
            return null;
        }
        String withoutUser = USER_INFO.matcher(uri).replaceFirst("***@");
        return PASSWORD_PARAMETER.matcher(withoutUser).replaceAll("$1***");
    }
}
