package dev.redrain.client;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The app request signature: lowercase hex HMAC-SHA256, with the app's secret, over
 * {@code METHOD \n PATH[?QUERY] \n TIMESTAMP_MS \n NONCE \n BODY}. The issuance service
 * verifies with this class; {@link RedrainClient} signs with it.
 */
public final class RequestSigner {
    private RequestSigner() {
    }

    public static String sign(String secret, String method, String pathAndQuery,
            String timestampMs, String nonce, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((method + "\n" + pathAndQuery + "\n" + timestampMs + "\n" + nonce + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            mac.update(body);
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
