package dev.redrain.flinksession;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void readsFlinkOverviewAnswer() {
        Map<String, Object> overview = Json.parseObject("""
                {"taskmanagers":1,"slots-total":2,"slots-available":2,"jobs-running":0,
                 "flink-version":"2.2.1","ratio":0.5,"ha":false,"x":null,"tags":["a","b\\u0041"]}
                """);
        assertThat(overview).containsEntry("taskmanagers", 1L).containsEntry("slots-total", 2L)
                .containsEntry("flink-version", "2.2.1").containsEntry("ratio", 0.5)
                .containsEntry("ha", false).containsEntry("x", null)
                .containsEntry("tags", List.of("a", "bA"));
    }

    @Test
    void quoteRoundTripsControlAndQuoteCharacters() {
        String text = "a\"b\\c\nd\te\u0001";
        assertThat(Json.parse(Json.quote(text))).isEqualTo(text);
    }

    @Test
    void rejectsBrokenDocuments() {
        for (String broken : List.of("", "{", "{\"a\":}", "[1,]", "{\"a\":1} x", "\"open",
                "tru", "{1:2}", "[" .repeat(100) + "]".repeat(100))) {
            assertThatThrownBy(() -> Json.parse(broken)).as(broken)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
