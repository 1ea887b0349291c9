package dev.redrain.client;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The app request signature: lowercase hex HMAC-SHA256, with the app's secret, over
 * {@code METHOD \n PATH[?QUERY] \n TIMESTAMP_MS \n NONCE \n BODY}, sent in four headers. The
 * issuance service verifies with this class; {@link RedrainClient} signs with it, and so does
 * every other caller in this repository (load generator, hostile suites, benchmarks), so the
 * protocol is written once.
 */
public final class RequestSigner {
    public static final String APP_ID = "X-App-Id";
    public static final String TIMESTAMP = "X-Timestamp";
    public static final String NONCE = "X-Nonce";
    public static final String SIGNATURE = "X-Signature";
    private static final SecureRandom NONCES = new SecureRandom();

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

    /** The headers of a request signed now, with a fresh nonce. */
    public static Map<String, String> headers(String appId, String secret, String method,
            String pathAndQuery, byte[] body) {
        return headers(appId, secret, method, pathAndQuery, body, System.currentTimeMillis(),
                nonce());
    }

    /**
     * The headers of a request signed at {@code timestampMs} with {@code nonce} (a caller
     * testing the service's refusals picks them; everyone else takes the overload above).
     */
    public static Map<String, String> headers(String appId, String secret, String method,
            String pathAndQuery, byte[] body, long timestampMs, String nonce) {
        String timestamp = Long.toString(timestampMs);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(APP_ID, appId);
        headers.put(TIMESTAMP, timestamp);
        headers.put(NONCE, nonce);
        headers.put(SIGNATURE, sign(secret, method, pathAndQuery, timestamp, nonce, body));
        return headers;
    }

    /** 128 random bits in hex: a nonce no other request will carry. */
    public static String nonce() {
        byte[] random = new byte[16];
        NONCES.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
