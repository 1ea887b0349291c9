package dev.redrain.core.ids;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Objects;

/**
 * Makes {@code outTradeNo}s: the unique id of one award, its ledger journal and its payment
 * record. Unique across instances without coordination, sortable by time, and carrying the
 * business date so that a nightly job can find a day's tokens by prefix.
 *
 * <p>Layout (30 characters, every part fixed width, so string order is time order):
 * <pre>
 *   yyyyMMdd  HHmmssSSS  sequence(3)  instance(10)
 *   20261125  203015123  000          7K2M9QX4TB
 * </pre>
 * The instance part is 50 random bits chosen when the generator is made (Crockford base32), so
 * two instances collide only if they draw the same 50 bits and issue in the same millisecond
 * with the same sequence. Within an instance the (millisecond, sequence) pair strictly increases,
 * even when the clock steps back: a generator that has used up a millisecond's 1,000 sequence
 * numbers borrows the next millisecond.
 */
public final class OutTradeNoGenerator {
    public static final int LENGTH = 30;
    private static final int SEQUENCE_MAX = 999;
    private static final int INSTANCE_LENGTH = 10;
    private static final char[] BASE32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

    private final Clock clock;
    private final ZoneId businessZone;
    private final String instanceId;
    private long lastMillis = Long.MIN_VALUE;
    private int sequence;

    public OutTradeNoGenerator(Clock clock, ZoneId businessZone, String instanceId) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.businessZone = Objects.requireNonNull(businessZone, "businessZone");
        if (instanceId == null || !instanceId.matches("[0-9A-HJKMNP-TV-Z]{" + INSTANCE_LENGTH + "}")) {
            throw new IllegalArgumentException("instanceId must be 10 Crockford base32 characters");
        }
        this.instanceId = instanceId;
    }

    /** A generator with a random instance id, for one service instance or job subtask. */
    public static OutTradeNoGenerator withRandomInstance(Clock clock, ZoneId businessZone) {
        return new OutTradeNoGenerator(clock, businessZone, randomInstanceId(new SecureRandom()));
    }

    static String randomInstanceId(SecureRandom random) {
        char[] id = new char[INSTANCE_LENGTH];
        for (int i = 0; i < INSTANCE_LENGTH; i++) {
            id[i] = BASE32[random.nextInt(BASE32.length)];
        }
        return new String(id);
    }

    public String next() {
        long millis;
        int sequenceNow;
        synchronized (this) {
            long now = clock.millis();
            if (now > lastMillis) {
                lastMillis = now;
                sequence = 0;
            } else if (sequence < SEQUENCE_MAX) {
                sequence++;
            } else {
                lastMillis++;
                sequence = 0;
            }
            millis = lastMillis;
            sequenceNow = sequence;
        }
        LocalDateTime local = LocalDateTime.ofInstant(Instant.ofEpochMilli(millis), businessZone);
        // Digits by hand: DateTimeFormatter cost more than the rest of a grab's id work.
        StringBuilder id = new StringBuilder(LENGTH);
        digits(id, local.getYear(), 4);
        digits(id, local.getMonthValue(), 2);
        digits(id, local.getDayOfMonth(), 2);
        digits(id, local.getHour(), 2);
        digits(id, local.getMinute(), 2);
        digits(id, local.getSecond(), 2);
        digits(id, local.getNano() / 1_000_000, 3);
        digits(id, sequenceNow, 3);
        id.append(instanceId);
        return id.toString();
    }

    private static void digits(StringBuilder out, int value, int width) {
        for (int divisor = (int) Math.pow(10, width - 1); divisor > 0; divisor /= 10) {
            out.append((char) ('0' + (value / divisor) % 10));
        }
    }

    public String instanceId() {
        return instanceId;
    }

    public static boolean isWellFormed(String outTradeNo) {
        if (outTradeNo == null || outTradeNo.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH - INSTANCE_LENGTH; i++) {
            char c = outTradeNo.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        for (int i = LENGTH - INSTANCE_LENGTH; i < LENGTH; i++) {
            if (!isBase32(outTradeNo.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isBase32(char c) {
        for (char allowed : BASE32) {
            if (c == allowed) {
                return true;
            }
        }
        return false;
    }

    /** The business date an outTradeNo was issued on. */
    public static LocalDate businessDate(String outTradeNo) {
        if (!isWellFormed(outTradeNo)) {
            throw new IllegalArgumentException("not an outTradeNo: " + outTradeNo);
        }
        try {
            return LocalDate.of(number(outTradeNo, 0, 4), number(outTradeNo, 4, 6),
                    number(outTradeNo, 6, 8));
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("not an outTradeNo (bad date): " + outTradeNo, e);
        }
    }

    /** When an outTradeNo was made, to the millisecond, read in the business zone. */
    public static Instant issuedAt(String outTradeNo, ZoneId businessZone) {
        LocalDate date = businessDate(outTradeNo);
        try {
            return LocalDateTime.of(date.getYear(), date.getMonth(), date.getDayOfMonth(),
                    number(outTradeNo, 8, 10), number(outTradeNo, 10, 12),
                    number(outTradeNo, 12, 14), number(outTradeNo, 14, 17) * 1_000_000)
                    .atZone(businessZone).toInstant();
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("not an outTradeNo (bad time): " + outTradeNo, e);
        }
    }

    private static int number(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            value = value * 10 + (text.charAt(i) - '0');
        }
        return value;
    }
}
