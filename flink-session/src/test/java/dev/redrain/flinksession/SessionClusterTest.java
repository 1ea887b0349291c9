package dev.redrain.flinksession;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The base of a job's test on a real standalone session cluster: JobManager and TaskManager in
 * their own JVMs, started through Flink's entrypoints from this module's {@code flink/lib}, one
 * cluster per test class. The job reaches it only as its shaded jar (the job module's {@code
 * redrain.job.jar}), so a class missing from the jar fails the test. Shipped as this module's
 * test jar; each job module's test extends it.
 */
public abstract class SessionClusterTest {
    private static final Duration RUNNING_WITHIN = Duration.ofSeconds(120);

    protected static FlinkSessionCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = FlinkSessionCluster.startFromBuild();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The job's shaded jar, as the job module's package phase built it. */
    protected static Path shadedJar() {
        Path jar = Path.of(System.getProperty("redrain.job.jar"));
        assertThat(jar).exists();
        return jar;
    }

    /** Waits until the job runs; a job that failed fails the test at once, with its causes. */
    protected static void awaitRunning(String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + RUNNING_WITHIN.toNanos();
        while (!"RUNNING".equals(cluster.jobStateOrFail(jobId))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + jobId + " not RUNNING within "
                        + RUNNING_WITHIN.toSeconds() + " s\n" + cluster.logTails());
            }
            Thread.sleep(200);
        }
    }
}
