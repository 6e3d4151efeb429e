package dev.contactguard;

import java.time.Instant;
import java.util.Objects;

/**
 * The summary of a decision, as the batch entry point returns it. A value:
 * equal when every field is.
 */
public final class Verdict {
    private final boolean allow;
    private final Instant retryAt;
    private final int denialCount;
    private final int obligationCount;

    /**
     * @param allow whether the contact may go ahead
     * @param retryAt the earliest instant the same ask would pass, or null
     * @param denialCount how many rules denied
     * @param obligationCount how many obligations the contact carries
     */
    public Verdict(boolean allow, Instant retryAt, int denialCount, int obligationCount) {
        this.allow = allow;
        this.retryAt = retryAt;
        this.denialCount = denialCount;
        this.obligationCount = obligationCount;
    }

    /** Whether the contact may go ahead. */
    public boolean allow() {
        return allow;
    }

    /** The earliest instant the same ask would pass, or null. */
    public Instant retryAt() {
        return retryAt;
    }

    /** How many rules denied. */
    public int denialCount() {
        return denialCount;
    }

    /** How many obligations the contact carries. */
    public int obligationCount() {
        return obligationCount;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Verdict)) {
            return false;
        }
        Verdict v = (Verdict) o;
        return allow == v.allow && Objects.equals(retryAt, v.retryAt) && denialCount == v.denialCount
                && obligationCount == v.obligationCount;
    }

    @Override
    public int hashCode() {
        return Objects.hash(allow, retryAt, denialCount, obligationCount);
    }

    @Override
    public String toString() {
        return "Verdict[allow=" + allow + ", retryAt=" + retryAt + ", denialCount=" + denialCount
                + ", obligationCount=" + obligationCount + "]";
    }
}
