package dev.redrain.stack.run;

import dev.redrain.credit.CreditJob;
import dev.redrain.monitor.BudgetMonitorJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;

/**
 * Both Flink jobs on a local MiniCluster (with its REST API and web UI), submitted through the
 * REST API from the same parameters an operator gives {@code flink run}. Checkpoints are kept
 * on cancellation, so a killed credit job restarts from its latest one, as an operator would
 * restart it after a crash.
 */
public final class FlinkJobs implements AutoCloseable {
    private static final int SLOTS = 4;
    static final String CREDIT_JOB = "redrain-realtime-credit";
    static final String MONITOR_JOB = "redrain-budget-monitor";

    private final MiniCluster cluster;
    private final Path checkpoints;
    private final int restPort;
    private final int metricsPort;
    private final Map<String, String> creditParameters;
    private JobClient creditJob;
    private JobClient monitorJob;
    private int creditRestarts;

    private FlinkJobs(MiniCluster cluster, Path checkpoints, int restPort, int metricsPort,
            Map<String, String> creditParameters) {
        this.metricsPort = metricsPort;
        this.cluster = cluster;
        this.checkpoints = checkpoints;
        this.restPort = restPort;
        this.creditParameters = creditParameters;
    }

    public static FlinkJobs start(Path directory, int restPort, Map<String, String> creditParameters,
            Map<String, String> monitorParameters) throws Exception {
        Path checkpoints = directory.resolve("checkpoints");
        Files.createDirectories(checkpoints);
        Configuration configuration = new Configuration();
        configuration.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        configuration.set(RestOptions.ADDRESS, "127.0.0.1");
        // 0: any free port (tests); the port the endpoint took is read back below.
        configuration.set(RestOptions.BIND_PORT, Integer.toString(restPort));
        configuration.set(TaskManagerOptions.NUM_TASK_SLOTS, SLOTS);
        // Flink's own Prometheus reporter: the jobs' metrics (credit lag, dead letters,
        // restarts) in the format ops/prometheus/redrain-flink-rules.yml is written against.
        int metricsPort = LocalServices.freePort();
        configuration.set(ConfigOptions.key("metrics.reporter.prom.factory.class").stringType()
                .noDefaultValue(), "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        configuration.set(ConfigOptions.key("metrics.reporter.prom.port").stringType()
                .noDefaultValue(), Integer.toString(metricsPort));
        configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                checkpoints.toUri().toString());
        configuration.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(configuration)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(SLOTS)
                .build());
        cluster.start();
        int port = cluster.getRestAddress().get().getPort();
        FlinkJobs jobs = new FlinkJobs(cluster, checkpoints, port, metricsPort,
                creditParameters);
        jobs.creditJob = jobs.submitCredit(null);
        jobs.monitorJob = jobs.submit(MONITOR_JOB, monitorParameters, null,
                env -> BudgetMonitorJob.fromParameters(ParameterTool.fromMap(monitorParameters))
                        .build(env),
                env -> BudgetMonitorJob.configure(env, ParameterTool.fromMap(monitorParameters)));
        return jobs;
    }

    /** The jobs' metrics in Prometheus's text format (Flink's reporter, one per process). */
    public String metricsUrl() {
        return "http://127.0.0.1:" + metricsPort + "/metrics";
    }

    public String webUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    public int creditRestarts() {
        return creditRestarts;
    }

    /**
     * RUNNING, RESTARTING, ... of the credit job, for the dashboard: followed by its name, so a
     * job an operator stopped with a savepoint and submitted again (credit-job-deploy.md) is
     * the one shown, not the stopped one this class submitted.
     */
    public String creditJobStatus() {
        return statusByName(CREDIT_JOB);
    }

    public String monitorJobStatus() {
        return statusByName(MONITOR_JOB);
    }

    private String statusByName(String name) {
        try {
            return current(cluster.listJobs().get(5, TimeUnit.SECONDS), name)
                    .map(job -> job.getJobState().name()).orElse("NONE");
        } catch (Exception e) {
            return "UNKNOWN";
        }
    }

    /**
     * The job of that name that is still live (the newest, if several), else the newest one
     * that ended: what an operator means by "the credit job".
     */
    static Optional<JobStatusMessage> current(Collection<JobStatusMessage> jobs, String name) {
        return jobs.stream().filter(job -> job.getJobName().equals(name))
                .max(Comparator.comparing((JobStatusMessage job) -> !job.getJobState()
                        .isGloballyTerminalState()).thenComparingLong(
                                JobStatusMessage::getStartTime));
    }

    /**
     * Kills the credit job (cancel, no savepoint: what is in its batches is lost, as in a crash)
     * and starts it again from its latest retained checkpoint. Returns the checkpoint used.
     */
    public synchronized String killAndRestartCredit() throws Exception {
        String jobId = creditJob.getJobID().toHexString();
        creditJob.cancel().get(60, TimeUnit.SECONDS);
        awaitTerminal(creditJob);
        Optional<Path> latest = latestCheckpoint(jobId);
        creditJob = submitCredit(latest.map(Path::toString).orElse(null));
        creditRestarts++;
        return latest.map(Path::toString).orElse("(no checkpoint yet: from committed offsets)");
    }

    private JobClient submitCredit(String restorePath) throws Exception {
        return submit(CREDIT_JOB, creditParameters, restorePath,
                env -> CreditJob.fromParameters(ParameterTool.fromMap(creditParameters))
                        .build(env),
                env -> CreditJob.configure(env, ParameterTool.fromMap(creditParameters)));
    }

    private JobClient submit(String name, Map<String, String> parameters, String restorePath,
            Consumer<StreamExecutionEnvironment> pipeline,
            Consumer<StreamExecutionEnvironment> settings) throws Exception {
        Configuration configuration = new Configuration();
        configuration.set(DeploymentOptions.TARGET, "remote");
        configuration.set(DeploymentOptions.ATTACHED, false);
        configuration.set(RestOptions.ADDRESS, "127.0.0.1");
        configuration.set(RestOptions.PORT, restPort);
        // Per job: checkpoints in the stack's folder, kept when the job is cancelled (killed).
        configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                checkpoints.toUri().toString());
        configuration.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (restorePath != null) {
            configuration.set(StateRecoveryOptions.SAVEPOINT_PATH, restorePath);
        }
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(configuration);
        env.setParallelism(Integer.parseInt(parameters.getOrDefault("parallelism", "1")));
        settings.accept(env);
        pipeline.accept(env);
        return env.executeAsync(name);
    }

    private Optional<Path> latestCheckpoint(String jobId) throws IOException {
        Path jobDirectory = checkpoints.resolve(jobId);
        if (!Files.isDirectory(jobDirectory)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(jobDirectory)) {
            return entries.filter(path -> path.getFileName().toString().startsWith("chk-"))
                    .filter(path -> Files.exists(path.resolve("_metadata")))
                    .max(Comparator.comparingLong(path -> Long.parseLong(
                            path.getFileName().toString().substring(4))));
        }
    }

    private static void awaitTerminal(JobClient job) throws Exception {
        for (int i = 0; i < 600; i++) {
            JobStatus status = job.getJobStatus().get(10, TimeUnit.SECONDS);
            if (status.isGloballyTerminalState()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new StackException("job " + job.getJobID() + " did not stop within 60 s");
    }

    private static String status(JobClient job) {
        try {
            return job == null ? "NONE" : job.getJobStatus().get(5, TimeUnit.SECONDS).name();
        } catch (Exception e) {
            return "UNKNOWN";
        }
    }

    @Override
    public void close() throws Exception {
        for (JobClient job : new JobClient[] {creditJob, monitorJob}) {
            if (job != null && !status(job).equals("CANCELED")) {
                try {
                    job.cancel().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // Already finished or the cluster is going away: nothing to cancel.
                }
            }
        }
        cluster.closeAsync().get(60, TimeUnit.SECONDS);
    }
}
