package dev.contactguard;

/** The medium of a contact. The codes are the C ABI's named constants. */
public enum Channel {
    /** {@code call} */
    CALL(0, "call"),
    /** {@code sms} */
    SMS(1, "sms"),
    /** {@code email} */
    EMAIL(2, "email"),
    /** {@code letter} */
    LETTER(3, "letter"),
    /** {@code visit} */
    VISIT(4, "visit"),
    /** {@code push} */
    PUSH(5, "push"),
    /** {@code voicemail_drop} */
    VOICEMAIL_DROP(6, "voicemail_drop");

    private final int code;
    private final String wire;

    Channel(int code, String wire) {
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
    public static Channel fromWire(String wire) {
        for (Channel v : values()) {
            if (v.wire.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown channel `" + wire + "`");
    }
}
