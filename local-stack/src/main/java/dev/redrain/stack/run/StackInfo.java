package dev.redrain.stack.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * What a running stack tells its users (written to {@code stack.json} in the run's folder,
 * readable by its owner only, since it holds the run's generated credentials): where each
 * part answers and the credentials to call it with, and the run's token key ring (the
 * settlement verifies grant proofs with it). {@code ./redrain rain} and
 * {@code ./redrain settle} attach to a running stack through it.
 */
public record StackInfo(List<String> issuanceUrls, String dashboardUrl, String flinkUrl,
        String channelUrl, String jdbcUrl, String jdbcUser, String redisUri, String namespace,
        String kafkaBootstrap, String topicPrefix, Map<String, String> appSecrets,
        String operatorToken, String viewerToken, Map<String, String> financeTokens,
        String channelMerchantKey,
        String runDirectory, String businessZone, String tokenKeys) {

    public static final String FILE = "stack.json";

    public void write(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.write(file, StackJson.MAPPER.writerWithDefaultPrettyPrinter()
                .writeValueAsBytes(this));
    }

    public static StackInfo read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new StackException("no running stack: " + file + " is missing (start one with"
                    + " ./redrain up)");
        }
        return StackJson.MAPPER.readValue(file.toFile(), StackInfo.class);
    }
}
