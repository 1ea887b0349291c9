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
        return new Chromium(executable("REDRAIN_CHROMIUM", List.of("chromium",
                "chromium-browser", "google-chrome"), "Chromium", "chromium"));
    }

    /** Its path, for a driver that starts it itself. */
    public String executable() {
        return executable;
    }

    /**
     * The chromedriver matching Debian's Chromium, for tests that drive a page (type, click);
     * skipped or failed like {@link #find()} when missing.
     */
    public static String driver() {
        return executable("REDRAIN_CHROMEDRIVER", List.of("chromedriver"), "chromedriver",
                "chromium-driver");
    }

    private static String executable(String variable, List<String> names, String what,
            String debianPackage) {
        String configured = System.getenv(variable);
        List<String> candidates = configured != null ? List.of(configured) : names;
        for (String candidate : candidates) {
            if (candidate.contains("/") && Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path path = Path.of(dir, candidate);
                if (!candidate.contains("/") && Files.isExecutable(path)) {
                    return path.toString();
                }
            }
        }
        String why = "no " + what + " on PATH (set " + variable + ", or run scripts/services.sh"
                + " as root to install Debian's " + debianPackage + ")";
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
