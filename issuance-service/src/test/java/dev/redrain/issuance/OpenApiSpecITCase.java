package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The API as the code defines it against the checked-in {@code openapi.json}: any change to a
 * route, a body or an error code shows as a diff in review. To accept a change, run this test
 * with {@code -Dredrain.openapi.update=true} and commit the file.
 */
@TestPropertySource(properties = "springdoc.api-docs.enabled=true")
class OpenApiSpecITCase extends IssuanceTestBase {
    private static final Path CHECKED_IN = Path.of("openapi.json");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    @Test
    void theCodesApiIsTheCheckedInSpec() throws Exception {
        HttpResponse<String> served = admin(null, "GET", "/v3/api-docs", null);
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        JsonNode spec = JSON.readTree(served.body());
        assertThat(spec.at("/paths/~1v1~1grab/post")).as("the grab").isNotNull();
        assertThat(spec.at("/components/schemas/Problem/properties/code/enum").toString())
                .contains("INSUFFICIENT_BALANCE", "FOUR_EYES_REQUIRED", "UNKNOWN_TOKEN");
        String canonical = JSON.writeValueAsString(JSON.treeToValue(spec, Object.class)) + "\n";
        if (Boolean.getBoolean("redrain.openapi.update")) {
            Files.writeString(CHECKED_IN, canonical, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(CHECKED_IN, StandardCharsets.UTF_8))
                .as("issuance-service/openapi.json is not the code's API: review the change,"
                        + " then run OpenApiSpecITCase with -Dredrain.openapi.update=true and"
                        + " commit the file").isEqualTo(canonical);
    }
}
