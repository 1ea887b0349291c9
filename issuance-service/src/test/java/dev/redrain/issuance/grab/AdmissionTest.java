package dev.redrain.issuance.grab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.core.activity.Stage;
import dev.redrain.core.catalog.Activity;
import java.time.Instant;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    private static final Activity PARENT = activity("p", null, null, 0, Set.of("A-vip"));

    @Test
    void internalTestAdmitsOnlyTheAllowList() {
        Activity internal = activity("p-i", "p", Stage.INTERNAL_TEST, 100, Set.of("A-tester"));
        assertThat(Admission.admits(PARENT, internal, "A-tester")).isTrue();
        assertThat(Admission.admits(PARENT, internal, "A-vip")).isTrue();
        assertThat(Admission.admits(PARENT, internal, "A-anyone")).isFalse();
    }

    @Test
    void grayAdmitsAStableShareThatOnlyGrowsWithThePercentage() {
        Activity ten = activity("p-g", "p", Stage.GRAY, 10, Set.of());
        Activity fifty = activity("p-g", "p", Stage.GRAY, 50, Set.of());
        long inTen = IntStream.range(0, 10_000).filter(i -> Admission.admits(PARENT, ten,
                "A" + i)).count();
        assertThat(inTen).isBetween(800L, 1_200L);
        IntStream.range(0, 10_000).forEach(i -> {
            if (Admission.admits(PARENT, ten, "A" + i)) {
                assertThat(Admission.admits(PARENT, fifty, "A" + i)).isTrue();
            }
        });
        assertThat(Admission.bucket("A42")).isEqualTo(Admission.bucket("A42"));
    }

    @Test
    void formalAdmitsEveryone() {
        Activity formal = activity("p-f", "p", Stage.FORMAL, 0, Set.of());
        assertThat(Admission.admits(PARENT, formal, "A-anyone")).isTrue();
    }

    private static Activity activity(String id, String parent, Stage stage, int gray,
            Set<String> allow) {
        return new Activity(id, parent, id, stage, parent == null ? Stage.FORMAL : null, gray,
                Instant.EPOCH, Instant.MAX, "ACTIVE", allow);
    }
}
