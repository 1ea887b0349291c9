package dev.redrain.stack.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.stack.Stack;
import dev.redrain.stack.TestStacks;
import dev.redrain.stack.channel.PaymentChannel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The chaos suite's CI version: a 75 s rain on two issuance instances with each kind of fault
 * once (credit job killed, Redis restarted empty, Kafka stopped, an instance killed, MySQL
 * slowed), then every money invariant. The seed can be set with {@code -Dchaos.seed=N} to
 * reproduce a failure; the long run is {@code ./redrain chaos} (docs/reliability.md).
 */
@Tag("chaos")
class ChaosITCase {

    @Test
    void moneyIsConservedWhateverFails() throws Exception {
        long seed = Long.getLong("chaos.seed", 20220201L);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        try (Stack stack = Stack.start(TestStacks.settings("ls_chaos",
                PaymentChannel.Knobs.none(), true, 2), out)) {
            Chaos.Report report = new Chaos(stack, out).run(new Chaos.Settings(seed,
                    Duration.ofSeconds(75), 5, 1_500, 80));
            String printed = log.toString(StandardCharsets.UTF_8);
            System.out.println(printed);
            assertThat(report.struck()).extracting(Chaos.Struck::kind)
                    .containsExactlyInAnyOrder(Chaos.Kind.values());
            assertThat(report.struck()).as(printed)
                    .noneMatch(fault -> fault.detail().startsWith("could not inject"));
            assertThat(report.checks()).as(printed).allMatch(Chaos.Check::held);
            assertThat(report.tokensReceived()).isPositive();
        } finally {
            TestStacks.dropDatabase("ls_chaos");
        }
    }
}
