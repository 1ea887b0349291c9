package dev.redrain.issuance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.redrain.issuance.account.AccountService;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The unified account id against the real database: one actId per person across the apps that
 * share an account center, a separate one for an app of its own, stable across calls, and
 * race-free when the first taps of one person arrive at once from several apps (as they do when
 * a rain starts): the requests of one person start together, all miss the instance's cache and
 * race in the database.
 */
class AccountBindingITCase extends IssuanceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    private AccountService accounts;

    @Test
    void appsSharingAnAccountCenterShareTheActIdOthersDoNot() throws Exception {
        String douyin = bind(APP, SECRET, "alice");
        String toutiao = bind(OTHER_APP, OTHER_SECRET, "alice");
        String lone = bind(LONE_APP, LONE_SECRET, "alice");
        assertThat(douyin).startsWith("A").hasSize(21).isEqualTo(toutiao);
        assertThat(lone).isNotEqualTo(douyin);
        assertThat(bind(APP, SECRET, "bob")).isNotEqualTo(douyin);
        // Asked again (from the cache, and from the database by the service bean): unchanged.
        assertThat(bind(APP, SECRET, "alice")).isEqualTo(douyin);
        assertThat(accounts.isBoundInApp(APP, douyin)).isTrue();
        assertThat(accounts.isBoundInApp(LONE_APP, douyin)).isFalse();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM unified_account WHERE"
                + " account_center_id = 'bytedance:alice'", Integer.class)).isEqualTo(1);
    }

    @Test
    void firstTapsOfOnePersonFromSeveralAppsAtOnceGetOneActId() throws Exception {
        int people = 20;
        int callsPerApp = 4;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            for (int person = 0; person < people; person++) {
                String user = "racer-" + person;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<String>> answers = new ArrayList<>();
                for (int call = 0; call < callsPerApp; call++) {
                    answers.add(pool.submit(() -> {
                        start.await();
                        return bind(APP, SECRET, user);
                    }));
                    answers.add(pool.submit(() -> {
                        start.await();
                        return bind(OTHER_APP, OTHER_SECRET, user);
                    }));
                }
                start.countDown();
                Set<String> actIds = new HashSet<>();
                for (Future<String> answer : answers) {
                    actIds.add(answer.get());
                }
                assertThat(actIds).as(user).hasSize(1);
                String actId = actIds.iterator().next();
                assertThat(jdbc.queryForList("SELECT act_id FROM account_binding WHERE user_id = ?",
                        String.class, user)).as(user).containsExactly(actId, actId);
                assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM unified_account WHERE"
                        + " account_center_id = ?", Integer.class, "bytedance:" + user))
                        .as(user).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private String bind(String app, String secret, String user) throws Exception {
        var response = new SignedClient("http://127.0.0.1:" + port, app, secret).post(
                "/v1/accounts/bind", "{\"appId\":\"" + app + "\",\"userId\":\"" + user + "\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).path("actId").asText();
    }
}
