package dev.redrain.stack.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.stack.Stack;
import dev.redrain.stack.TestStacks;
import dev.redrain.stack.channel.PaymentChannel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The abuse suite against a running stack: every hostile request is a 4xx problem+json with a
 * code, and the ledger, wallets, withdrawals, budgets and Redis money keys do not change.
 */
@Tag("abuse")
class AbuseITCase {

    @Test
    void everyHostileRequestIsRefusedWithAProblemAndChangesNothing() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        try (Stack stack = Stack.start(TestStacks.settings("ls_abuse",
                PaymentChannel.Knobs.none(), false, 1), out)) {
            Abuse.Report report = Abuse.run(stack.info(), out);
            String printed = log.toString(StandardCharsets.UTF_8);
            System.out.println(printed);
            assertThat(report.attempts()).hasSizeGreaterThan(80);
            assertThat(report.attempts()).as(printed).allMatch(Abuse.Attempt::passed);
            assertThat(report.changes()).as(printed).isEmpty();
        } finally {
            TestStacks.dropDatabase("ls_abuse");
        }
    }
}
