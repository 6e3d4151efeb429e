package dev.contactguard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One history event. {@link #type()} says which fields are read (as in the
 * C ABI's {@code cg_event_type}); start from a factory ({@link #attempt},
 * {@link #consent}...) or {@link #builder} and set the optional fields.
 */
public final class Event {
    final EventType type;
    final Instant at;
    final String to;
    final String debt;
    final Channel channel;
    final Role role;
    final AttemptResult result;
    final Place place;
    final HoldReason reason;
    final Instant until;
    final String kind;
    final String start;
    final String end;
    final List<String> weekdays;
    final boolean granted;

    private Event(Builder b) {
        // A null type is sent as CG_EVENT_TYPE_UNSET: the library refuses it
        // (ffi.missing_field, field event.type), as it does in C and C++.
        this.type = b.type;
        this.at = Objects.requireNonNull(b.at, "at");
        this.to = b.to;
        this.debt = b.debt;
        this.channel = b.channel;
        this.role = b.role;
        this.result = b.result;
        this.place = b.place;
        this.reason = b.reason;
        this.until = b.until;
        this.kind = b.kind;
        this.start = b.start;
        this.end = b.end;
        this.weekdays = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(b.weekdays));
        this.granted = b.granted;
    }

    /** The type, or null when none was given (pushing such an event throws {@code ffi.missing_field}). */
    public EventType type() {
        return type;
    }

    public Instant at() {
        return at;
    }

    /** A builder for an event of this type at this instant. */
    public static Builder builder(EventType type, Instant at) {
        return new Builder(type, at);
    }

    public static Event attempt(Instant at, Channel channel, String to, Role role, String debt, AttemptResult result) {
        return builder(EventType.ATTEMPT, at).channel(channel).to(to).role(role).debt(debt).result(result).build();
    }

    public static Event consent(Instant at, String to, Channel channel, boolean granted) {
        return builder(EventType.CONSENT, at).to(to).channel(channel).granted(granted).build();
    }

    public static Event optOut(Instant at, String to, Channel channel) {
        return builder(EventType.OPT_OUT, at).to(to).channel(channel).build();
    }

    public static Event cease(Instant at, String to, String debt) {
        return builder(EventType.CEASE, at).to(to).debt(debt).build();
    }

    public static Event hold(Instant at, String debt, HoldReason reason, Instant until) {
        return builder(EventType.HOLD, at).debt(debt).reason(reason).until(until).build();
    }

    /** Sets the fields of an {@link Event}; those its type does not read are ignored. */
    public static final class Builder {
        private final EventType type;
        private final Instant at;
        private String to;
        private String debt;
        private Channel channel;
        private Role role;
        private AttemptResult result;
        private Place place;
        private HoldReason reason;
        private Instant until;
        private String kind;
        private String start;
        private String end;
        private final List<String> weekdays = new ArrayList<>();
        // Withdrawn unless set: a forgotten flag never grants.
        private boolean granted = false;

        private Builder(EventType type, Instant at) {
            this.type = type;
            this.at = at;
        }

        public Builder to(String v) {
            to = v;
            return this;
        }

        public Builder debt(String v) {
            debt = v;
            return this;
        }

        public Builder channel(Channel v) {
            channel = v;
            return this;
        }

        public Builder role(Role v) {
            role = v;
            return this;
        }

        public Builder result(AttemptResult v) {
            result = v;
            return this;
        }

        public Builder place(Place v) {
            place = v;
            return this;
        }

        /** A hold's reason (required for holds: without one, pushing throws {@code ffi.missing_field}). */
        public Builder reason(HoldReason v) {
            reason = v;
            return this;
        }

        public Builder until(Instant v) {
            until = v;
            return this;
        }

        /** Which consent (consent events), e.g. {@code tcpa}. */
        public Builder kind(String v) {
            kind = v;
            return this;
        }

        /** Start of an inconvenient local-time span, {@code HH:MM[:SS]}. */
        public Builder start(String v) {
            start = v;
            return this;
        }

        /** End of an inconvenient span, exclusive. */
        public Builder end(String v) {
            end = v;
            return this;
        }

        /** An inconvenient weekday, {@code mon}...{@code sun}. */
        public Builder weekday(String v) {
            weekdays.add(v);
            return this;
        }

        /** Consent and prior consent: true grants (the default), false withdraws. */
        public Builder granted(boolean v) {
            granted = v;
            return this;
        }

        public Event build() {
            return new Event(this);
        }
    }
}
