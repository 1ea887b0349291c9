package dev.redrain.issuance.web;

import dev.redrain.core.ledger.LedgerUnavailableException;
import io.lettuce.core.RedisException;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Every exception a controller lets out, as a refusal written by {@link Problems}: bad input is
 * never 5xx, and a dependency outage is a retryable 503.
 */
@RestControllerAdvice
class ProblemHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemHandler.class);
    /** A dependency outage: the same request may succeed in a second. */
    private static final ApiException RETRY_SOON = ApiException.unavailable(
            ErrorCode.DEPENDENCY_UNAVAILABLE, "", Duration.ofSeconds(1));

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Map<String, Object>> api(ApiException e, HttpServletRequest request) {
        return problem(e.status(), e.code(), e.getMessage(), request, e);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e,
            HttpServletRequest request) {
        return problem(HttpStatus.BAD_REQUEST, ErrorCode.MALFORMED_REQUEST,
                "the body is not a JSON object of the expected shape", request, null);
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<Map<String, Object>> method(HttpRequestMethodNotSupportedException e,
            HttpServletRequest request) {
        return problem(HttpStatus.METHOD_NOT_ALLOWED, ErrorCode.METHOD_NOT_ALLOWED,
                e.getMessage(), request, null);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Map<String, Object>> mediaType(HttpMediaTypeNotSupportedException e,
            HttpServletRequest request) {
        return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                "send application/json", request, null);
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<Map<String, Object>> noRoute(NoResourceFoundException e,
            HttpServletRequest request) {
        return problem(HttpStatus.NOT_FOUND, ErrorCode.UNKNOWN_ROUTE, "no such route", request,
                null);
    }

    @ExceptionHandler(RedisException.class)
    ResponseEntity<Map<String, Object>> redis(RedisException e,
            HttpServletRequest request) {
        LOG.warn("Redis failed during {}: {}", request.getRequestURI(), e.toString());
        return problem(HttpStatus.SERVICE_UNAVAILABLE, ErrorCode.DEPENDENCY_UNAVAILABLE,
                "Redis is unavailable; retry the same request", request,
                RETRY_SOON);
    }

    /** A path or query parameter of the wrong type ({@code /breaks/abc}, {@code limit=x}). */
    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Map<String, Object>> mistyped(MethodArgumentTypeMismatchException e,
            HttpServletRequest request) {
        return problem(HttpStatus.BAD_REQUEST, ErrorCode.INVALID_FIELD, e.getName()
                + " must be " + (e.getRequiredType() == null ? "well formed"
                        : "a " + e.getRequiredType().getSimpleName()), request, null);
    }

    @ExceptionHandler(LedgerUnavailableException.class)
    ResponseEntity<Map<String, Object>> ledger(LedgerUnavailableException e,
            HttpServletRequest request) {
        LOG.warn("the ledger failed during {}: {}", request.getRequestURI(), e.toString());
        return problem(HttpStatus.SERVICE_UNAVAILABLE, ErrorCode.DEPENDENCY_UNAVAILABLE,
                "the ledger is unavailable; retry the same request", request, RETRY_SOON);
    }

    @ExceptionHandler(DataAccessException.class)
    ResponseEntity<Map<String, Object>> database(DataAccessException e,
            HttpServletRequest request) {
        LOG.warn("MySQL failed during {}: {}", request.getRequestURI(), e.toString());
        return problem(HttpStatus.SERVICE_UNAVAILABLE, ErrorCode.DEPENDENCY_UNAVAILABLE,
                "the database is unavailable; retry the same request", request,
                RETRY_SOON);
    }

    private static ResponseEntity<Map<String, Object>> problem(HttpStatus status,
            ErrorCode code, String detail, HttpServletRequest request, ApiException cause) {
        return Problems.response(status, code, detail, request,
                cause == null ? null : cause.retryAfter());
    }
}
