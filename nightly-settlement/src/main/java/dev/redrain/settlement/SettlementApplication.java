package dev.redrain.settlement;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * {@code java -jar nightly-settlement-exec.jar --businessDate=2026-11-25 [--force]}: runs the
 * settlement of one business date and exits 0 when it completed, 1 when it failed (a rerun
 * resumes from the failed step), 2 when it was refused (bad arguments, or a completed date
 * without {@code --force}).
 */
@SpringBootApplication
@EnableConfigurationProperties(SettlementProperties.class)
public class SettlementApplication {
    public static void main(String[] args) {
        System.exit(SpringApplication.exit(SpringApplication.run(SettlementApplication.class,
                args)));
    }
}
