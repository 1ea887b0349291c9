package dev.redrain.issuance.web;

import java.time.Duration;
import org.springframework.http.HttpStatus;

/**
 * An expected refusal with a stable machine code, answered as RFC 9457 problem+json. Thrown
 * before any state changes, or after a change that the thrower has undone.
 */
public class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final ErrorCode code;
    private final Duration retryAfter;

    public ApiException(HttpStatus status, ErrorCode code, String detail) {
        this(status, code, detail, null);
    }

    public ApiException(HttpStatus status, ErrorCode code, String detail, Duration retryAfter) {
        super(detail);
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    public HttpStatus status() {
        return status;
    }

    public ErrorCode code() {
        return code;
    }

    /** For 429 and 503: when to try again; null when not known. */
    public Duration retryAfter() {
        return retryAfter;
    }

    public static ApiException badRequest(ErrorCode code, String detail) {
        return new ApiException(HttpStatus.BAD_REQUEST, code, detail);
    }

    public static ApiException notFound(ErrorCode code, String detail) {
        return new ApiException(HttpStatus.NOT_FOUND, code, detail);
    }

    public static ApiException unavailable(ErrorCode code, String detail, Duration retryAfter) {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, code, detail, retryAfter);
    }
}
