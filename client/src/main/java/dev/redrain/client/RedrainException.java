package dev.redrain.client;

import java.time.Duration;
import java.util.Optional;

/**
 * The service refused a request, as its RFC 9457 problem says: the HTTP status, the stable
 * {@code code} (issuance-service/openapi.json lists them) and the detail. A refusal changed
 * nothing on the service. The subclasses are the refusals an app handles on its own.
 */
public class RedrainException extends RuntimeException {
    private final int status;
    private final String code;
    private final String detail;
    private final Duration retryAfter;

    public RedrainException(int status, String code, String detail, Duration retryAfter) {
        super(status + " " + code + ": " + detail);
        this.status = status;
        this.code = code;
        this.detail = detail;
        this.retryAfter = retryAfter;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String detail() {
        return detail;
    }

    /** How long the service asked to wait before the same request again, if it did. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** A dependency was down or the request collided: the same request may succeed later. */
    public static class Unavailable extends RedrainException {
        public Unavailable(int status, String code, String detail, Duration retryAfter) {
            super(status, code, detail, retryAfter);
        }
    }

    /** The wallet and the presented tokens hold less than the withdrawal's amount. */
    public static class InsufficientBalance extends RedrainException {
        public InsufficientBalance(int status, String code, String detail) {
            super(status, code, detail, null);
        }
    }

    /** The rain, scene or activity named is not one an operator declared, or not open now. */
    public static class NotGrabbable extends RedrainException {
        public NotGrabbable(int status, String code, String detail) {
            super(status, code, detail, null);
        }
    }

    /** The typed exception for a problem. */
    static RedrainException of(int status, String code, String detail, Duration retryAfter) {
        return switch (code) {
            case "INSUFFICIENT_BALANCE" -> new InsufficientBalance(status, code, detail);
            case "UNKNOWN_RAIN", "UNKNOWN_SCENE", "UNKNOWN_ACTIVITY", "RAIN_NOT_OPEN",
                    "SCENE_CLOSED" -> new NotGrabbable(status, code, detail);
            default -> retryable(status, code) ? new Unavailable(status, code, detail,
                    retryAfter) : new RedrainException(status, code, detail, retryAfter);
        };
    }

    /**
     * 5xx, 429, and a grab or withdrawal that another request of the same operation is making
     * (its answer is the one this request will get).
     */
    static boolean retryable(int status, String code) {
        return status >= 500 || status == 429 || "WITHDRAWAL_IN_PROGRESS".equals(code)
                || "GRAB_IN_PROGRESS".equals(code);
    }
}
