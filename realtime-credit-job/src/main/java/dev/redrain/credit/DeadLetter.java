package dev.redrain.credit;

/**
 * A record the job could not credit: the original bytes, where they came from, and why.
 * A Flink POJO.
 */
public class DeadLetter {
    /** Header names on the dead-letter topic. */
    public static final String HEADER_REASON = "redrain.dlq.reason";
    public static final String HEADER_MESSAGE = "redrain.dlq.message";
    public static final String HEADER_SOURCE = "redrain.dlq.source";

    public String reason;
    public String message;
    public String source;
    public byte[] key;
    public byte[] value;

    public DeadLetter() {
    }

    public DeadLetter(String reason, String message, String source, byte[] key, byte[] value) {
        this.reason = reason;
        this.message = message;
        this.source = source;
        this.key = key;
        this.value = value;
    }
}
