package dev.contactguard;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * "May we contact this person, on this channel, right now?"
 *
 * <p>{@code at}, {@code channel}, {@code to}, {@code role} and {@code debt}
 * are required; the others may be null, and a rule that needs an absent one
 * assumes the stricter value. No field has a default: a null
 * {@code channel} or {@code role} reaches the C ABI as its UNSET value and
 * deciding throws a {@link ContactGuardException} with code
 * {@code ffi.missing_field} naming the field, never a call to the debtor.
 *
 * @param at when the contact would be made
 * @param channel the medium (null: deciding fails with {@code ffi.missing_field})
 * @param to the recipient key (phone number, customer id, keyed hash)
 * @param role the recipient's role relative to the debt (null: deciding fails with {@code ffi.missing_field})
 * @param debt the account key of the debt
 * @param timezones candidate IANA zones: the contact must be permitted in every one
 * @param place the place reached, or null
 * @param autodialed whether autodialed or prerecorded, or null
 * @param purpose why, or null
 * @param daysPastDue days past due, or null
 */
public record Ask(Instant at, Channel channel, String to, Role role, String debt, List<String> timezones,
        Place place, Boolean autodialed, Purpose purpose, Long daysPastDue) {

    public Ask {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(debt, "debt");
        timezones = timezones == null ? List.of() : List.copyOf(timezones);
    }

    /** An ask with the required fields; add optional ones with the {@code with*} methods. */
    public static Ask of(Instant at, Channel channel, String to, Role role, String debt, String... timezones) {
        return new Ask(at, channel, to, role, debt, List.of(timezones), null, null, null, null);
    }

    public Ask withPlace(Place p) {
        return new Ask(at, channel, to, role, debt, timezones, p, autodialed, purpose, daysPastDue);
    }

    public Ask withAutodialed(Boolean a) {
        return new Ask(at, channel, to, role, debt, timezones, place, a, purpose, daysPastDue);
    }

    public Ask withPurpose(Purpose p) {
        return new Ask(at, channel, to, role, debt, timezones, place, autodialed, p, daysPastDue);
    }

    public Ask withDaysPastDue(Long d) {
        return new Ask(at, channel, to, role, debt, timezones, place, autodialed, purpose, d);
    }

    public Ask withAt(Instant t) {
        return new Ask(t, channel, to, role, debt, timezones, place, autodialed, purpose, daysPastDue);
    }
}
