package dev.redrain.credit;

import dev.redrain.core.secrets.Redacted;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the job checks each event's provenance with: the token key ring (the grant proofs'
 * keys) and the catalog's database. Secrets arrive from a file or the environment, never
 * from the job's parameters, which Flink shows in its web UI.
 *
 * @param tokenKeys the ring in the issuance service's {@code id:base64key,...} form
 */
public record GrantCheckSettings(String tokenKeys, String jdbcUrl, String jdbcUser,
        String jdbcPassword) implements Serializable {

    /** The environment variable holding the ring when no keys file is given. */
    public static final String TOKEN_KEYS_ENV = "REDRAIN_TOKEN_KEYS";

    public GrantCheckSettings {
        if (tokenKeys == null || tokenKeys.isBlank()) {
            throw new IllegalArgumentException("the token key ring is required to check grant"
                    + " proofs: --" + CreditJob.TOKEN_KEYS_FILE + " or " + TOKEN_KEYS_ENV);
        }
    }

    /** The ring from {@code keysFile} (trimmed), else from the environment. */
    static String tokenKeys(String keysFile) {
        if (keysFile != null) {
            try {
                return Files.readString(Path.of(keysFile), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the token keys file " + keysFile,
                        e);
            }
        }
        return System.getenv(TOKEN_KEYS_ENV);
    }

    /** Never prints the keys or the password. */
    @Override
    public String toString() {
        return "GrantCheckSettings{jdbcUrl=" + Redacted.uri(jdbcUrl) + ", jdbcUser=" + jdbcUser + "}";
    }
}
