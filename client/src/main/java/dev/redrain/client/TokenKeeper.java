package dev.redrain.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tokens a user won, kept until a withdrawal has moved their money: a withdrawal presents
 * them, so a reward the ledger has not credited yet still counts (the service credits it on
 * the spot). Thread-safe; in memory (an app that restarts keeps its own copy, or the user's
 * rewards arrive through the stream a few hundred milliseconds later anyway).
 */
public final class TokenKeeper {
    /** The service accepts at most this many tokens in one withdrawal. */
    public static final int PER_WITHDRAWAL_MAX = 200;
    private final Map<String, Map<String, String>> byUser = new ConcurrentHashMap<>();

    /** Keeps a won grab's token. */
    public void keep(RedrainClient.Grab grab) {
        if (grab.token() != null && grab.outTradeNo() != null) {
            byUser.computeIfAbsent(grab.actId(), user -> new LinkedHashMap<>());
            synchronized (byUser.get(grab.actId())) {
                byUser.get(grab.actId()).put(grab.outTradeNo(), grab.token());
            }
        }
    }

    /** The user's kept tokens, oldest first, as many as one withdrawal takes. */
    public List<String> tokens(String actId) {
        Map<String, String> kept = byUser.get(actId);
        if (kept == null) {
            return List.of();
        }
        synchronized (kept) {
            return List.copyOf(new ArrayList<>(kept.values()).subList(0, Math.min(kept.size(),
                    PER_WITHDRAWAL_MAX)));
        }
    }

    /** Forgets tokens a withdrawal presented once it moved the money (debited or paid). */
    void spent(String actId, List<String> presented) {
        Map<String, String> kept = byUser.get(actId);
        if (kept != null) {
            synchronized (kept) {
                kept.values().removeAll(presented);
            }
        }
    }
}
