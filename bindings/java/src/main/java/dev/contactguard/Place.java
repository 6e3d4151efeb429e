package dev.contactguard;

/** The place reached. The codes are the C ABI's named constants; 0 is the C ABI's UNSET, which Java writes for null. */
public enum Place {
    /** {@code home} */
    HOME(1, "home"),
    /** {@code mobile} */
    MOBILE(2, "mobile"),
    /** {@code work} */
    WORK(3, "work"),
    /** {@code unknown} */
    UNKNOWN(4, "unknown");

    private final int code;
    private final String wire;

    Place(int code, String wire) {
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
    public static Place fromWire(String wire) {
        for (Place v : values()) {
            if (v.wire.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown place `" + wire + "`");
    }
}
