package dev.redrain.issuance.web;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Every refusal as RFC 9457 problem+json with a stable {@code code}; bad input is never 5xx. */
@RestControllerAdvice
class ProblemHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemHandler.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> api(ApiException e, HttpServletRequest request) {
        return problem(e.status(), e.code(), e.getMessage(), request, e);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ProblemDetail> unreadable(HttpMessageNotReadableException e,
            HttpServletRequest request) {
        return problem(HttpStatus.BAD_REQUEST, ErrorCode.MALFORMED_REQUEST,
                "the body is not a JSON object of the expected shape", request, null);
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ProblemDetail> method(HttpRequestMethodNotSupportedException e,
            HttpServletRequest request) {
        return problem(HttpStatus.METHOD_NOT_ALLOWED, ErrorCode.METHOD_NOT_ALLOWED,
                e.getMessage(), request, null);
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ProblemDetail> mediaType(HttpMediaTypeNotSupportedException e,
            HttpServletRequest request) {
        return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                "send application/json", request, null);
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<ProblemDetail> noRoute(NoResourceFoundException e,
            HttpServletRequest request) {
        return problem(HttpStatus.NOT_FOUND, ErrorCode.UNKNOWN_ROUTE, "no such route", request,
                null);
    }

    @ExceptionHandler(io.lettuce.core.RedisException.class)
    ResponseEntity<ProblemDetail> redis(io.lettuce.core.RedisException e,
            HttpServletRequest request) {
        LOG.warn("Redis failed during {}: {}", request.getRequestURI(), e.toString());
        return problem(HttpStatus.SERVICE_UNAVAILABLE, ErrorCode.DEPENDENCY_UNAVAILABLE,
                "Redis is unavailable; retry the same request", request,
                ApiException.unavailable(ErrorCode.DEPENDENCY_UNAVAILABLE, "", java.time.Duration
                        .ofSeconds(1)));
    }

    @ExceptionHandler(org.springframework.dao.DataAccessException.class)
    ResponseEntity<ProblemDetail> database(org.springframework.dao.DataAccessException e,
            HttpServletRequest request) {
        LOG.warn("MySQL failed during {}: {}", request.getRequestURI(), e.toString());
        return problem(HttpStatus.SERVICE_UNAVAILABLE, ErrorCode.DEPENDENCY_UNAVAILABLE,
                "the database is unavailable; retry the same request", request,
                ApiException.unavailable(ErrorCode.DEPENDENCY_UNAVAILABLE, "", java.time.Duration
                        .ofSeconds(1)));
    }

    static ResponseEntity<ProblemDetail> problem(HttpStatus status, ErrorCode code,
            String detail, HttpServletRequest request, ApiException cause) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("https://redrain.dev/problems/" + code.name()
                .toLowerCase(java.util.Locale.ROOT).replace('_', '-')));
        problem.setTitle(code.name());
        problem.setInstance(URI.create(request.getRequestURI()));
        problem.setProperty("code", code.name());
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (cause != null && cause.retryAfter() != null) {
            headers.set(HttpHeaders.RETRY_AFTER,
                    Long.toString(Math.max(1, cause.retryAfter().toSeconds())));
        }
        if (status.is5xxServerError()) {
            LOG.warn("{} {}: {} {}", request.getMethod(), request.getRequestURI(), code, detail);
        }
        return new ResponseEntity<>(problem, headers, status);
    }
}
