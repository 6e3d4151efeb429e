package dev.contactguard;

/** The role of the person contacted, relative to the debt. The codes are the C ABI's named constants; 0 is the C ABI's UNSET, which Java writes for null. */
public enum Role {
    /** {@code debtor} */
    DEBTOR(1, "debtor"),
    /** {@code co_debtor} */
    CO_DEBTOR(2, "co_debtor"),
    /** {@code guarantor} */
    GUARANTOR(3, "guarantor"),
    /** {@code spouse} */
    SPOUSE(4, "spouse"),
    /** {@code estate_representative} */
    ESTATE_REPRESENTATIVE(5, "estate_representative"),
    /** {@code attorney} */
    ATTORNEY(6, "attorney"),
    /** {@code emergency_contact} */
    EMERGENCY_CONTACT(7, "emergency_contact"),
    /** {@code reference} */
    REFERENCE(8, "reference"),
    /** {@code third_party} */
    THIRD_PARTY(9, "third_party"),
    /** {@code employer} */
    EMPLOYER(10, "employer");

    private final int code;
    private final String wire;

    Role(int code, String wire) {
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
    public static Role fromWire(String wire) {
        for (Role v : values()) {
            if (v.wire.equals(wire)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown role `" + wire + "`");
    }
}
