package dev.contactguard;

/** The role of the person contacted, relative to the debt. The codes are the C ABI's named constants. */
public enum Role {
    /** {@code debtor} */
    DEBTOR(0, "debtor"),
    /** {@code co_debtor} */
    CO_DEBTOR(1, "co_debtor"),
    /** {@code guarantor} */
    GUARANTOR(2, "guarantor"),
    /** {@code spouse} */
    SPOUSE(3, "spouse"),
    /** {@code estate_representative} */
    ESTATE_REPRESENTATIVE(4, "estate_representative"),
    /** {@code attorney} */
    ATTORNEY(5, "attorney"),
    /** {@code emergency_contact} */
    EMERGENCY_CONTACT(6, "emergency_contact"),
    /** {@code reference} */
    REFERENCE(7, "reference"),
    /** {@code third_party} */
    THIRD_PARTY(8, "third_party"),
    /** {@code employer} */
    EMPLOYER(9, "employer");

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
