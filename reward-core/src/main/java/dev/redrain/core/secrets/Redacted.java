package dev.redrain.core.secrets;

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

    public static String uri(String uri) {
        if (uri == null) {
            return null;
        }
        String withoutUser = USER_INFO.matcher(uri).replaceFirst("***@");
        return PASSWORD_PARAMETER.matcher(withoutUser).replaceAll("$1***");
    }
}
