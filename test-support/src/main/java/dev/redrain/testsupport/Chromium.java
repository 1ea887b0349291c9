package dev.redrain.testsupport;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's headless Chromium, run as a separate process. Without it the test is skipped on a
 * developer's machine and fails under CI ({@code CI=true}); {@code scripts/services.sh}
 * installs it as root.
 */
public final class Chromium {
    private final String executable;

    private Chromium(String executable) {
        this.executable = executable;
    }

    public static Chromium find() {
        String configured = System.getenv("REDRAIN_CHROMIUM");
        List<String> candidates = configured != null ? List.of(configured)
                : List.of("chromium", "chromium-browser", "google-chrome");
        for (String candidate : candidates) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path path = Path.of(dir, candidate);
                if (candidate.contains("/") ? Files.isExecutable(Path.of(candidate))
                        : Files.isExecutable(path)) {
                    return new Chromium(candidate.contains("/") ? candidate : path.toString());
                }
            }
        }
        String why = "no Chromium on PATH (set REDRAIN_CHROMIUM, or run scripts/services.sh as"
                + " root to install Debian's chromium)";
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(why);
        }
        Assumptions.abort(why);
        return null;
    }

    /** The page's DOM after it rendered, and Chromium's own log (console errors land there). */
    public record Result(String stdout, String stderr) {
    }

    public Result run(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(executable, "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-quic", "--enable-logging=stderr", "--v=0",
                "--user-data-dir=" + Files.createTempDirectory("chromium-profile")));
        command.addAll(List.of(arguments));
        Path out = Files.createTempFile("chromium", ".out");
        Path err = Files.createTempFile("chromium", ".err");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("Chromium did not finish within 90 s: " + command);
        }
        return new Result(Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
