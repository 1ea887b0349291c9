package dev.redrain.stack.load;

import dev.redrain.stack.run.StackException;
import dev.redrain.stack.run.StackSettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The shape of a rain: shared by {@code demo} and {@code rain}. */
public final class RainOptions {
    @Option(names = "--users", defaultValue = "3000",
            description = "distinct users tapping (default: ${DEFAULT-VALUE})")
    public int users;

    @Option(names = "--rate", defaultValue = "250",
            description = "taps per second (default: ${DEFAULT-VALUE})")
    public double rate;

    @Option(names = "--duration", defaultValue = "60",
            description = "seconds of rain (default: ${DEFAULT-VALUE})")
    public int durationSeconds;

    @Option(names = "--rains", defaultValue = "3",
            description = "rains in that time; each user grabs once per rain (default:"
                    + " ${DEFAULT-VALUE})")
    public int rains;

    @Option(names = "--apps", defaultValue = "8",
            description = "apps the users tap from, 1-8, sharing one account center (default:"
                    + " ${DEFAULT-VALUE})")
    public int apps;

    @Option(names = "--seed", defaultValue = "20220131",
            description = "seeds the users' taps, the withdrawals and the channel's faults"
                    + " (default: ${DEFAULT-VALUE})")
    public long seed;

    public Duration duration() {
        return Duration.ofSeconds(durationSeconds);
    }

    public void validate() {
        positive("--users", users);
        positive("--duration", durationSeconds);
        positive("--rains", rains);
        if (!(rate > 0)) {
            throw new StackException("--rate must be more than 0 taps per second, not " + rate);
        }
        if (apps < 1 || apps > StackSettings.APPS.size()) {
            throw new StackException("--apps must be 1 to " + StackSettings.APPS.size()
                    + ", not " + apps);
        }
    }

    private static void positive(String option, long value) {
        if (value < 1) {
            throw new StackException(option + " must be 1 or more, not " + value);
        }
    }

    /** Distinct grabs expected in the formal rains (all rains but the first, gray, one). */
    public long expectedFormalGrabs() {
        int formalRains = rains > 1 ? rains - 1 : 1;
        double tapsPerRain = rate * durationSeconds / rains;
        double distinctPerRain = users * (1 - Math.exp(-tapsPerRain / users));
        return Math.max(1, Math.round(distinctPerRain * formalRains));
    }
}
