package dev.contactguard;

/**
 * One rule that denied an ask.
 *
 * @param id the rule's id, e.g. {@code us-reg-f.10}
 * @param cite its legal citation
 * @param message what was exceeded, with the figures
 */
public record Denial(String id, String cite, String message) {}
