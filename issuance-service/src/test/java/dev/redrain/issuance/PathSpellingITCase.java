package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The guards decide on the path the router will use, not on the bytes the client sent: every
 * other spelling of {@code /admin/} or {@code /v1/} is refused without credentials (401), or
 * finds no route (404), and a refused write changes no switch and writes no audit row. Raw
 * sockets, because an HTTP client library may normalise the path before sending it.
 */
class PathSpellingITCase extends IssuanceTestBase {
    private static final String SWITCH = "outbox-only";

    @ParameterizedTest
    @ValueSource(strings = {"/%61dmin/switches", "/admin;x=1/switches", "//admin/switches",
        "/ADMIN/switches", "/admin/../admin/switches", "/admin/./switches", "/%41DMIN/switches",
        "/admin/switches;jsessionid=1", "/Admin/switches", "/v1/../admin/switches"})
    void otherSpellingsOfAdminReadNothingWithoutAToken(String path) throws Exception {
        int status = status(raw("GET", path, null, null));
        assertThat(status).as(path).isIn(401, 404);
        assertThat(status(raw("GET", path, null, "Bearer not-a-token"))).as(path)
                .isIn(401, 404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/%61dmin/switches/" + SWITCH, "/admin;x=1/switches/" + SWITCH,
        "//admin/switches/" + SWITCH, "/ADMIN/switches/" + SWITCH,
        "/admin/../admin/switches/" + SWITCH, "/admin/%2E%2E/admin/switches/" + SWITCH})
    void otherSpellingsOfAdminChangeNoSwitchAndWriteNoAudit(String path) throws Exception {
        String body = "{\"on\":true,\"reason\":\"attacker\"}";
        int status = status(raw("PUT", path, body, null));
        assertThat(status).as(path).isIn(400, 401, 404);
        assertThat(switchValue()).as(path).isNotEqualTo("on");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM admin_audit", Long.class))
                .as(path).isZero();
    }

    @Test
    void anOperatorStillReachesTheCanonicalPath() throws Exception {
        String response = raw("GET", "/admin/switches", null, "Bearer " + OPERATOR_TOKEN);
        assertThat(status(response)).as(response).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/%761/grab", "/v1;x=1/grab", "//v1/grab", "/V1/grab",
        "/admin/../v1/grab"})
    void otherSpellingsOfTheAppApiNeedASignature(String path) throws Exception {
        String body = "{\"appId\":\"" + APP + "\",\"userId\":\"u1\",\"activityId\":\"a\","
                + "\"sceneId\":\"s\",\"rainId\":\"r\"}";
        int status = status(raw("POST", path, body, null));
        assertThat(status).as(path).isIn(401, 404);
    }

    private String switchValue() {
        return REDIS.commands().hget(REDIS.namespace() + ":switches", SWITCH);
    }

    private String raw(String method, String path, String body, String authorization)
            throws Exception {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder request = new StringBuilder(method).append(' ').append(path)
                .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if (authorization != null) {
            request.append("Authorization: ").append(authorization).append("\r\n");
        }
        if (body != null) {
            request.append("Content-Type: application/json\r\nContent-Length: ")
                    .append(content.length).append("\r\n");
        }
        request.append("\r\n");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int status(String response) {
        List<String> parts = List.of(response.split(" ", 3));
        return Integer.parseInt(parts.get(1));
    }
}
