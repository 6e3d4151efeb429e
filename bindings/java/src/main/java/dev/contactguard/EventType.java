package dev.contactguard;

/** The type of a history event. The codes are the C ABI's named constants. */
public enum EventType {
    /** {@code attempt} */
    ATTEMPT(0, "attempt"),
    /** {@code consent} */
    CONSENT(1, "consent"),
    /** {@code opt_out} */
    OPT_OUT(2, "opt_out"),
    /** {@code cease} */
    CEASE(3, "cease"),
    /** {@code attorney} */
    ATTORNEY(4, "attorney"),
    /** {@code hold} */
    HOLD(5, "hold"),
    /** {@code prior_consent_to_contact} */
    PRIOR_CONSENT_TO_CONTACT(6, "prior_consent_to_contact"),
    /** {@code request_contact} */
    REQUEST_CONTACT(7, "request_contact"),
    /** {@code inconvenient} */
    INCONVENIENT(8, "inconvenient"),
    /** {@code unreachable} */
    UNREACHABLE(9, "unreachable");

    private final int code;
    private final String wire;

    EventType(int code, String wire) {
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
    public static EventType fromWire(String wire) {
        for (EventType v : values()) {
            if (v.wire.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown eventType `" + wire + "`");
    }
}
