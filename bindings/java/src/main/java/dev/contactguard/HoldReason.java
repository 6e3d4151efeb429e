package dev.contactguard;

/** Why collection on a debt is held. The codes are the C ABI's named constants. */
public enum HoldReason {
    /** {@code dispute} */
    DISPUTE(0, "dispute"),
    /** {@code promise_to_pay} */
    PROMISE_TO_PAY(1, "promise_to_pay"),
    /** {@code repayment_plan} */
    REPAYMENT_PLAN(2, "repayment_plan"),
    /** {@code complaint} */
    COMPLAINT(3, "complaint"),
    /** {@code bankruptcy} */
    BANKRUPTCY(4, "bankruptcy"),
    /** {@code deceased} */
    DECEASED(5, "deceased");

    private final int code;
    private final String wire;

    HoldReason(int code, String wire) {
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
    public static HoldReason fromWire(String wire) {
        for (HoldReason v : values()) {
            if (v.wire.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown holdReason `" + wire + "`");
    }
}
