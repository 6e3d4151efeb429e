package dev.contactguard;

/** Why a contact is made. The codes are the C ABI's named constants. */
public enum Purpose {
    /** {@code collection} */
    COLLECTION(0, "collection"),
    /** {@code location} */
    LOCATION(1, "location"),
    /** {@code notice} */
    NOTICE(2, "notice");

    private final int code;
    private final String wire;

    Purpose(int code, String wire) {
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
    public static Purpose fromWire(String wire) {
        for (Purpose v : values()) {
            if (v.wire.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown purpose `" + wire + "`");
    }
}
