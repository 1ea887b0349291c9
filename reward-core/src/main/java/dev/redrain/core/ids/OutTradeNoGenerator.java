package dev.redrain.core.ids;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.regex.Pattern;

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
    private static final Pattern FORMAT = Pattern.compile("\\d{20}[0-9A-HJKMNP-TV-Z]{10}");
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HHmmssSSS");

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
        StringBuilder id = new StringBuilder(LENGTH);
        id.append(DATE.format(local)).append(TIME.format(local));
        if (sequenceNow < 100) {
            id.append('0');
        }
        if (sequenceNow < 10) {
            id.append('0');
        }
        id.append(sequenceNow).append(instanceId);
        return id.toString();
    }

    public String instanceId() {
        return instanceId;
    }

    public static boolean isWellFormed(String outTradeNo) {
        return outTradeNo != null && FORMAT.matcher(outTradeNo).matches();
    }

    /** The business date an outTradeNo was issued on. */
    public static LocalDate businessDate(String outTradeNo) {
        if (!isWellFormed(outTradeNo)) {
            throw new IllegalArgumentException("not an outTradeNo: " + outTradeNo);
        }
        return LocalDate.parse(outTradeNo.substring(0, 8), DATE);
    }
}
