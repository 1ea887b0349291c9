package dev.redrain.issuance.web;

import dev.redrain.issuance.security.SignatureFilter;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document's shared parts: the title, and every refusal as RFC 9457 problem+json
 * with its stable {@code code} (the {@link ErrorCode} values), on every operation. The
 * document is served only where {@code springdoc.api-docs.enabled} is true; the checked-in
 * {@code issuance-service/openapi.json} is what app teams generate clients from.
 */
@Configuration
class ProblemDocs {
    static final String PROBLEM = "application/problem+json";
    private static final String ADMIN = "adminToken";

    /** All four signature headers, together. */
    private static SecurityRequirement signed() {
        return new SecurityRequirement().addList(SignatureFilter.APP_ID)
                .addList(SignatureFilter.TIMESTAMP).addList(SignatureFilter.NONCE)
                .addList(SignatureFilter.SIGNATURE);
    }

    @Bean
    OpenApiCustomizer problemDocuments() {
        return openApi -> {
            openApi.info(new Info().title("Redrain issuance service").version("v1")
                    .description("The signed app API (/v1, HMAC request signatures) and the"
                            + " operators' and finance's admin API (/admin, bearer tokens)."));
            openApi.servers(List.of());
            Components components = openApi.getComponents() == null ? new Components()
                    : openApi.getComponents();
            components.addSchemas("Problem", problem());
            components.addSecuritySchemes(ADMIN, new SecurityScheme().type(SecurityScheme.Type
                    .HTTP).scheme("bearer").description("an operator's, viewer's or finance"
                            + " reviewer's token (redrain.admins.<name>.token-sha256)"));
            for (String header : List.of(SignatureFilter.APP_ID, SignatureFilter.TIMESTAMP,
                    SignatureFilter.NONCE, SignatureFilter.SIGNATURE)) {
                components.addSecuritySchemes(header, new SecurityScheme().type(SecurityScheme
                        .Type.APIKEY).in(SecurityScheme.In.HEADER).name(header).description(
                                "the app's request signature (issuance-service/README.md)"));
            }
            openApi.components(components);
            sortPaths(openApi);
            openApi.getPaths().forEach((route, path) -> path.readOperations().forEach(
                    operation -> operation.addSecurityItem(route.startsWith("/admin/")
                            ? new SecurityRequirement().addList(ADMIN) : signed())));
            openApi.getPaths().values().forEach(path -> path.readOperations().forEach(
                    operation -> operation.getResponses().addApiResponse("4XX",
                            refusal("refused, nothing changed: the code says why"))
                            .addApiResponse("5XX", refusal("a dependency is unavailable"
                                    + " (DEPENDENCY_UNAVAILABLE, Retry-After): nothing changed,"
                                    + " retry the same request"))));
        };
    }

    private static Schema<?> problem() {
        StringSchema code = new StringSchema();
        Arrays.stream(ErrorCode.values()).map(Enum::name).sorted().forEach(code::addEnumItem);
        return new ObjectSchema().description("RFC 9457 problem details with Redrain's code")
                .addProperty("type", new StringSchema())
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema())
                .addProperty("code", code)
                .required(List.of("type", "title", "status", "code"));
    }

    private static ApiResponse refusal(String description) {
        return new ApiResponse().description(description).content(new Content().addMediaType(
                PROBLEM, new MediaType().schema(new Schema<>().$ref(
                        "#/components/schemas/Problem"))));
    }

    /** Paths in a stable order, so the checked-in document diffs cleanly. */
    private static void sortPaths(OpenAPI openApi) {
        if (openApi.getPaths() == null) {
            return;
        }
        TreeMap<String, io.swagger.v3.oas.models.PathItem> sorted = new TreeMap<>(
                openApi.getPaths());
        openApi.getPaths().clear();
        openApi.getPaths().putAll(sorted);
    }
}
