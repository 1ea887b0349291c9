package dev.redrain.issuance.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one way a refusal is written: RFC 9457 problem+json with a stable {@code code}, the
 * same fields whether a controller's exception (through {@link ProblemHandler}) or a servlet
 * filter (signature, admin token) refuses, and Retry-After when asking again can succeed.
 */
public final class Problems {
    private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Problems() {
    }

    /** The problem document: type, title, status, detail, instance and code. */
    static Map<String, Object> body(HttpStatus status, ErrorCode code, String detail,
            String instance) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "https://redrain.dev/problems/" + code.name()
                .toLowerCase(Locale.ROOT).replace('_', '-'));
        problem.put("title", code.name());
        problem.put("status", status.value());
        problem.put("detail", detail);
        problem.put("instance", instance);
        problem.put("code", code.name());
        return problem;
    }

    /** The refusal as a controller answers it. */
    static ResponseEntity<Map<String, Object>> response(HttpStatus status, ErrorCode code,
            String detail, HttpServletRequest request, Duration retryAfter) {
        logServerSide(status, code, detail, request);
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (retryAfter != null) {
            headers.set(HttpHeaders.RETRY_AFTER, retryAfterSeconds(retryAfter));
        }
        return new ResponseEntity<>(body(status, code, detail, request.getRequestURI()),
                headers, status);
    }

    /** The refusal as a servlet filter writes it, before any controller runs. */
    public static void write(HttpServletRequest request, HttpServletResponse response,
            HttpStatus status, ErrorCode code, String detail, Duration retryAfter)
            throws IOException {
        logServerSide(status, code, detail, request);
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        if (retryAfter != null) {
            response.setHeader(HttpHeaders.RETRY_AFTER, retryAfterSeconds(retryAfter));
        }
        response.getOutputStream().write(JSON.writeValueAsBytes(body(status, code, detail,
                request.getRequestURI())));
    }

    private static String retryAfterSeconds(Duration retryAfter) {
        return Long.toString(Math.max(1, retryAfter.toSeconds()));
    }

    private static void logServerSide(HttpStatus status, ErrorCode code, String detail,
            HttpServletRequest request) {
        if (status.is5xxServerError()) {
            LOG.warn("{} {}: {} {}", request.getMethod(), request.getRequestURI(), code, detail);
        }
    }
}
