package dev.contactguard;

/** Why a contact is made. The codes are the C ABI's named constants; 0 is the C ABI's UNSET, which Java writes for null. */
public enum Purpose {
    /** {@code collection} */
    COLLECTION(1, "collection"),
    /** {@code location} */
    LOCATION(2, "location"),
    /** {@code notice} */
    NOTICE(3, "notice");

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
