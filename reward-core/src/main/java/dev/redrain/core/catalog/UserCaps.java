package dev.redrain.core.catalog;

/**
 * How much one user may be granted from one template: a count and an amount over the whole
 * activity, and a count and an amount per business day. Zero is no cap. The commit of a grab
 * enforces them in Redis (see the grab store); this class decides the same question in Java
 * for the cheap check made before any budget is reserved.
 */
public record UserCaps(long count, long amountMinor, long dailyCount, long dailyAmountMinor) {
    public static final UserCaps NONE = new UserCaps(0, 0, 0, 0);

    public UserCaps {
        if (count < 0 || amountMinor < 0 || dailyCount < 0 || dailyAmountMinor < 0) {
            throw new IllegalArgumentException("a user cap is positive, or 0 for none");
        }
    }

    public boolean any() {
        return count > 0 || amountMinor > 0 || dailyCount > 0 || dailyAmountMinor > 0;
    }

    /** What a user has been granted from a template: in the activity, and on one day. */
    public record Granted(long count, long amountMinor, long dailyCount, long dailyAmountMinor) {
        public static final Granted NONE = new Granted(0, 0, 0, 0);
    }

    /** Whether one more award of {@code amount} (minor units) stays within every cap. */
    public boolean admit(Granted granted, long amount) {
        return within(count, granted.count() + 1)
                && within(amountMinor, granted.amountMinor() + amount)
                && within(dailyCount, granted.dailyCount() + 1)
                && within(dailyAmountMinor, granted.dailyAmountMinor() + amount);
    }

    /**
     * Whether no award at all can fit any more: a count is used up or an amount is spent to the
     * fen. An award that fits by count but not by amount is refused by the commit instead.
     */
    public boolean reached(Granted granted) {
        return !admit(granted, 1);
    }

    private static boolean within(long cap, long after) {
        return cap == 0 || after <= cap;
    }
}
