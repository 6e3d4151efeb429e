package dev.contactguard;

/** The medium of a contact. The codes are the C ABI's named constants; 0 is the C ABI's UNSET, which Java writes for null. */
public enum Channel {
    /** {@code call} */
    CALL(1, "call"),
    /** {@code sms} */
    SMS(2, "sms"),
    /** {@code email} */
    EMAIL(3, "email"),
    /** {@code letter} */
    LETTER(4, "letter"),
    /** {@code visit} */
    VISIT(5, "visit"),
    /** {@code push} */
    PUSH(6, "push"),
    /** {@code voicemail_drop} */
    VOICEMAIL_DROP(7, "voicemail_drop");

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
