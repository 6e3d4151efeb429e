package dev.contactguard;

/**
 * Why collection on a debt is held. The codes are the C ABI's named
 * constants; 0 ({@code CG_HOLD_REASON_UNSET}) is sent for a hold without a
 * reason, which the library refuses ({@code ffi.missing_field}, field
 * {@code event.reason}).
 */
public enum HoldReason {
    /** {@code dispute} */
    DISPUTE(1, "dispute"),
    /** {@code promise_to_pay} */
    PROMISE_TO_PAY(2, "promise_to_pay"),
    /** {@code repayment_plan} */
    REPAYMENT_PLAN(3, "repayment_plan"),
    /** {@code complaint} */
    COMPLAINT(4, "complaint"),
    /** {@code bankruptcy} */
    BANKRUPTCY(5, "bankruptcy"),
    /** {@code deceased} */
    DECEASED(6, "deceased");

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
