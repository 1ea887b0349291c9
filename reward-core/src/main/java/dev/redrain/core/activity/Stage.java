package dev.redrain.core.activity;

/**
 * The stage a child activity runs in. A parent activity has one child per stage, each with its
 * own templates, budgets, Redis namespace and ledger accounts, so money granted in one stage
 * never touches another's. The byte code is the token format's encoding and must never change.
 */
public enum Stage {
    /** Only allow-listed actIds take part. */
    INTERNAL_TEST((byte) 1),
    /** A stable hash-percentage of actIds, plus the allow-list. */
    GRAY((byte) 2),
    /** Everyone. */
    FORMAL((byte) 3);

    private final byte code;

    Stage(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    public static Stage fromCode(byte code) {
        for (Stage stage : values()) {
            if (stage.code == code) {
                return stage;
            }
        }
        throw new IllegalArgumentException("unknown stage code " + code);
    }
}
