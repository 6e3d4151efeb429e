package dev.contactguard;

/**
 * The outcome of a contact attempt. The codes are the C ABI's named constants; 0 is the C ABI's
 * {@code CG_ATTEMPT_RESULT_UNSET}, sent for an attempt {@link Event} without a result (and refused).
 */
public enum AttemptResult {
    /** {@code not_connected} */
    NOT_CONNECTED(1, "not_connected"),
    /** {@code no_answer} */
    NO_ANSWER(2, "no_answer"),
    /** {@code voicemail} */
    VOICEMAIL(3, "voicemail"),
    /** {@code conversation} */
    CONVERSATION(4, "conversation"),
    /** {@code delivered} */
    DELIVERED(5, "delivered"),
    /** {@code failed} */
    FAILED(6, "failed"),
    /**
     * {@code pending}: admitted, outcome not reported yet. It counts under every cap and
     * cool-down it could fall under; not an outcome for {@link Ledger#complete}.
     */
    PENDING(7, "pending");

    private final int code;
    private final String wire;

    AttemptResult(int code, String wire) {
        this.code = code;
        this.wire = wire;
    }

    /** The C constant's value. */
    public int code() {
        return code;
    }

    /** The wire name used in JSON, TOML and the conformance vectors. */
    public String wire() {
        return wire;
    }

    /** The value with this wire name. */
    public static AttemptResult fromWire(String wire) {
        for (AttemptResult v : values()) {
            if (v.wire.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown attemptResult `" + wire + "`");
    }
}
