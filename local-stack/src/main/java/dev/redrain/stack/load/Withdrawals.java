package dev.redrain.stack.load;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * After the rain a share of the users withdraw their cash, presenting the tokens they hold
 * (the service force-credits any the stream has not booked yet), through the app they used
 * first. The payouts go through the payment channel simulator.
 */
public final class Withdrawals {
    private static final int TOKENS_PER_REQUEST_MAX = 100;

    /** What the withdrawals came to. */
    public record Result(int requested, Map<String, Integer> byStatus, long paidMinor,
            long refusedMinor, List<String> problems) {
    }

    private Withdrawals() {
    }

    public static Result run(IssuanceClient client, Rain rain, double share, long seed,
            String cashCurrency) throws Exception {
        Map<String, List<Rain.Received>> cashByAct = new TreeMap<>();
        rain.tokens().values().stream()
                .filter(token -> token.currency().equals(cashCurrency))
                .forEach(token -> cashByAct.computeIfAbsent(token.actId(),
                        key -> new ArrayList<>()).add(token));
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Integer> byStatus = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        long paid = 0;
        long refused = 0;
        int requested = 0;
        for (Map.Entry<String, List<Rain.Received>> entry : cashByAct.entrySet()) {
            if (random.nextDouble() >= share) {
                continue;
            }
            List<Rain.Received> tokens = entry.getValue().subList(0,
                    Math.min(TOKENS_PER_REQUEST_MAX, entry.getValue().size()));
            long amount = tokens.stream().mapToLong(Rain.Received::amountMinor).sum();
            String app = rain.firstApp(tokens.get(0).userId());
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("requestId", "wd-" + entry.getKey());
            body.put("amountMinor", amount);
            body.put("currency", cashCurrency);
            body.put("tokens", tokens.stream().map(Rain.Received::token).toList());
            IssuanceClient.Answer answer = client.app(requested, app, "POST",
                    "/v1/wallet/" + entry.getKey() + "/withdrawals", body);
            requested++;
            if (!answer.ok()) {
                problems.add(entry.getKey() + ": HTTP " + answer.status() + " " + answer.body());
                byStatus.merge("HTTP_" + answer.status(), 1, Integer::sum);
                continue;
            }
            JsonNode json = answer.json();
            String status = json.path("status").asText();
            byStatus.merge(status, 1, Integer::sum);
            if ("PAID".equals(status)) {
                paid += json.path("amountMinor").asLong();
            } else {
                refused += json.path("amountMinor").asLong();
            }
        }
        return new Result(requested, byStatus, paid, refused, problems);
    }
}
