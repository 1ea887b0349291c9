package dev.redrain.issuance;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The issuance service: grabs, tokens, wallets and withdrawals over HTTP. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class IssuanceApplication {
    public static void main(String[] args) {
        SpringApplication.run(IssuanceApplication.class, args);
    }
}
