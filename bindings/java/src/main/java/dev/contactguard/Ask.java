package dev.contactguard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
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
 * <p>A value: equal when every field is. The accessors are named after the
 * fields ({@code at()}, {@code channel()}...).
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
public final class Ask {
    private final Instant at;
    private final Channel channel;
    private final String to;
    private final Role role;
    private final String debt;
    private final List<String> timezones;
    private final Place place;
    private final Boolean autodialed;
    private final Purpose purpose;
    private final Long daysPastDue;

    /** An ask with every field; see the class comment for which may be null. */
    public Ask(Instant at, Channel channel, String to, Role role, String debt, List<String> timezones,
            Place place, Boolean autodialed, Purpose purpose, Long daysPastDue) {
        this.at = Objects.requireNonNull(at, "at");
        this.channel = channel;
        this.to = Objects.requireNonNull(to, "to");
        this.role = role;
        this.debt = Objects.requireNonNull(debt, "debt");
        this.timezones = timezones == null ? Collections.<String>emptyList()
                : Collections.unmodifiableList(new ArrayList<>(timezones));
        for (String z : this.timezones) {
            Objects.requireNonNull(z, "timezones");
        }
        this.place = place;
        this.autodialed = autodialed;
        this.purpose = purpose;
        this.daysPastDue = daysPastDue;
    }

    /** When the contact would be made. */
    public Instant at() {
        return at;
    }

    /** The medium. */
    public Channel channel() {
        return channel;
    }

    /** The recipient key. */
    public String to() {
        return to;
    }

    /** The recipient's role relative to the debt. */
    public Role role() {
        return role;
    }

    /** The account key of the debt. */
    public String debt() {
        return debt;
    }

    /** The candidate IANA zones (unmodifiable). */
    public List<String> timezones() {
        return timezones;
    }

    /** The place reached, or null. */
    public Place place() {
        return place;
    }

    /** Whether autodialed or prerecorded, or null. */
    public Boolean autodialed() {
        return autodialed;
    }

    /** Why, or null. */
    public Purpose purpose() {
        return purpose;
    }

    /** Days past due, or null. */
    public Long daysPastDue() {
        return daysPastDue;
    }

    /** An ask with the required fields; add optional ones with the {@code with*} methods. */
    public static Ask of(Instant at, Channel channel, String to, Role role, String debt, String... timezones) {
        return new Ask(at, channel, to, role, debt, Arrays.asList(timezones), null, null, null, null);
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

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Ask)) {
            return false;
        }
        Ask a = (Ask) o;
        return Objects.equals(at, a.at) && Objects.equals(channel, a.channel) && Objects.equals(to, a.to) && Objects.equals(role, a.role) && Objects.equals(debt, a.debt) && Objects.equals(timezones, a.timezones) && Objects.equals(place, a.place) && Objects.equals(autodialed, a.autodialed) && Objects.equals(purpose, a.purpose) && Objects.equals(daysPastDue, a.daysPastDue);
    }

    @Override
    public int hashCode() {
        return Objects.hash(at, channel, to, role, debt, timezones, place, autodialed, purpose, daysPastDue);
    }

    @Override
    public String toString() {
        return "Ask[" + "at=" + at + ", " + "channel=" + channel + ", " + "to=" + to + ", " + "role=" + role + ", " + "debt=" + debt + ", " + "timezones=" + timezones + ", " + "place=" + place + ", " + "autodialed=" + autodialed + ", " + "purpose=" + purpose + ", " + "daysPastDue=" + daysPastDue + "]";
    }
}
