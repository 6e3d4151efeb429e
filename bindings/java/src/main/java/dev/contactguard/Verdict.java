package dev.contactguard;

import java.time.Instant;

/**
 * The summary of a decision, as the batch entry point returns it.
 *
 * @param allow whether the contact may go ahead
 * @param retryAt the earliest instant the same ask would pass, or null
 * @param denialCount how many rules denied
 * @param obligationCount how many obligations the contact carries
 */
public record Verdict(boolean allow, Instant retryAt, int denialCount, int obligationCount) {}
