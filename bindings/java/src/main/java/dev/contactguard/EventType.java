package dev.contactguard;

/**
 * The type of a history event. The codes are the C ABI's named constants; 0
 * ({@code CG_EVENT_TYPE_UNSET}) is sent for an {@link Event} without a type,
 * which the library refuses ({@code ffi.missing_field}, field
 * {@code event.type}).
 */
public enum EventType {
    /** {@code attempt} */
    ATTEMPT(1, "attempt"),
    /** {@code consent} */
    CONSENT(2, "consent"),
    /** {@code opt_out} */
    OPT_OUT(3, "opt_out"),
    /** {@code cease} */
    CEASE(4, "cease"),
    /** {@code attorney} */
    ATTORNEY(5, "attorney"),
    /** {@code hold} */
    HOLD(6, "hold"),
    /** {@code prior_consent_to_contact} */
    PRIOR_CONSENT_TO_CONTACT(7, "prior_consent_to_contact"),
    /** {@code request_contact} */
    REQUEST_CONTACT(8, "request_contact"),
    /** {@code inconvenient} */
    INCONVENIENT(9, "inconvenient"),
    /** {@code unreachable} */
    UNREACHABLE(10, "unreachable");

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
