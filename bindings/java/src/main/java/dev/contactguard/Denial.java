package dev.contactguard;

import java.util.Objects;

/** One rule that denied an ask. A value: equal when every field is. */
public final class Denial {
    private final String id;
    private final String cite;
    private final String message;

    /**
     * @param id the rule's id, e.g. {@code us-reg-f.10}
     * @param cite its legal citation
     * @param message what was exceeded, with the figures
     */
    public Denial(String id, String cite, String message) {
        this.id = id;
        this.cite = cite;
        this.message = message;
    }

    /** The rule's id, e.g. {@code us-reg-f.10}. */
    public String id() {
        return id;
    }

    /** Its legal citation. */
    public String cite() {
        return cite;
    }

    /** What was exceeded, with the figures. */
    public String message() {
        return message;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Denial)) {
            return false;
        }
        Denial d = (Denial) o;
        return Objects.equals(id, d.id) && Objects.equals(cite, d.cite) && Objects.equals(message, d.message);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, cite, message);
    }

    @Override
    public String toString() {
        return "Denial[id=" + id + ", cite=" + cite + ", message=" + message + "]";
    }
}
