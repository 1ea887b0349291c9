package dev.redrain.stack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redrain.stack.run.LocalServices;
import dev.redrain.stack.run.StackInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What a new user sees when a command cannot run: one line saying what to do, exit 2. */
class RedrainCliTest {
    @TempDir
    Path run;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int redrain(String... args) {
        CommandLine commandLine = Redrain.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void aStackJsonLeftByAStoppedStackIsNothingToAttachTo() throws Exception {
        String gone = "http://127.0.0.1:" + LocalServices.freePort();
        new StackInfo(List.of(gone), gone, gone, gone, "jdbc:mysql://127.0.0.1:1/x", "root",
                "redis://127.0.0.1:1", "ns", "127.0.0.1:1", "p.", Map.of(), "op", "view",
                Map.of(), "merchant", run.toString(), "Asia/Shanghai", "k1:x").write(run);
        assertThat(redrain("rain", "--run-dir", run.toString())).isEqualTo(2);
        assertThat(err.toString()).startsWith("redrain: nothing answers at " + gone)
                .contains("./redrain up").doesNotContain("Exception").hasLineCount(1);
        err.getBuffer().setLength(0);
        assertThat(redrain("settle", "--date", "2026-12-03", "--run-dir", run.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("nothing answers at").hasLineCount(1);
    }

    @Test
    void eachBadOptionIsNamedWithTheValueGiven() {
        assertThat(redrain("rain", "--users", "0", "--run-dir", run.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--users must be 1 or more, not 0");
        assertThat(redrain("rain", "--apps", "9", "--run-dir", run.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--apps must be 1 to 8, not 9");
        assertThat(redrain("rain", "--rate", "0", "--run-dir", run.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--rate must be more than 0");
    }

    @Test
    void versionPrintsTheProjectsVersion() {
        assertThat(redrain("--version")).isZero();
        assertThat(out.toString().trim()).matches("redrain \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    }
}
