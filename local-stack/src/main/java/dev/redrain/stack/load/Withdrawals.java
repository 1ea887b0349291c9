package dev.redrain.stack.load;

import dev.redrain.client.RedrainClient;
import dev.redrain.client.RedrainException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * After the rain a share of the users withdraw their cash, presenting the tokens they hold
 * (the service force-credits any the stream has not booked yet), through the app they used
 * first, with the client SDK's kept tokens. The payouts go through the payment channel
 * simulator.
 */
public final class Withdrawals {
    /** What the withdrawals came to. */
    public record Result(int requested, Map<String, Integer> byStatus, long paidMinor,
            long refusedMinor, List<String> problems) {
    }

    private Withdrawals() {
    }

    public static Result run(Rain rain, double share, long seed, String cashCurrency) {
        Map<String, Long> cashByToken = new HashMap<>();
        Set<String> cashActs = new TreeSet<>();
        rain.tokens().values().stream()
                .filter(token -> token.currency().equals(cashCurrency))
                .forEach(token -> {
                    cashByToken.put(token.token(), token.amountMinor());
                    cashActs.add(token.actId());
                });
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Integer> byStatus = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        long paid = 0;
        long refused = 0;
        int requested = 0;
        for (String actId : cashActs) {
            if (random.nextDouble() >= share) {
                continue;
            }
            RedrainClient app = rain.app(rain.firstApp(rain.tokensOf(actId).get(0).userId()));
            // The cash among the tokens the keeper presents: what the user surely holds.
            long amount = app.tokens().tokens(actId).stream().mapToLong(token ->
                    cashByToken.getOrDefault(token, 0L)).sum();
            if (amount == 0) {
                continue;
            }
            requested++;
            try {
                RedrainClient.Withdrawal withdrawal = app.withdraw(actId, "wd-" + actId, amount);
                byStatus.merge(withdrawal.status(), 1, Integer::sum);
                if ("PAID".equals(withdrawal.status())) {
                    paid += withdrawal.amountMinor();
                } else {
                    refused += withdrawal.amountMinor();
                }
            } catch (RedrainException e) {
                problems.add(actId + ": " + e.getMessage());
                byStatus.merge(e.status() == 0 ? e.code() : "HTTP_" + e.status(), 1,
                        Integer::sum);
            }
        }
        return new Result(requested, byStatus, paid, refused, problems);
    }
}
