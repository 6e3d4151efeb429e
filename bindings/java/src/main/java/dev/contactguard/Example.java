package dev.contactguard;

import java.time.Instant;

/**
 * May we call this debtor at 07:59 New York time under Regulation F and
 * Massachusetts rules, after an unanswered call yesterday? Copy this: every
 * native handle is owned by one try-with-resources block.
 *
 * <pre>
 * java -Djna.library.path=target/release -cp ... dev.contactguard.Example
 * </pre>
 */
public final class Example {
    private Example() {}

    public static void main(String[] args) {
        // A Policy is immutable and thread-safe: load it once, share it.
        try (Policy policy = Policy.presets(args.length > 0 ? args[0] : "us-reg-f+us-ma");
                History history = new History()) {
            history.push(Event.attempt(Instant.parse("2026-10-14T14:00:00Z"), Channel.CALL, "+1-617-555-0100",
                    Role.DEBTOR, "loan-42", AttemptResult.NO_ANSWER));

            Ask ask = Ask.of(Instant.parse("2026-10-15T11:59:00Z"), Channel.CALL, "+1-617-555-0100", Role.DEBTOR,
                    "loan-42", "America/New_York").withPurpose(Purpose.COLLECTION).withPlace(Place.MOBILE);

            try (Decision decision = policy.decide(history, ask)) {
                System.out.println("policy: " + policy.name());
                System.out.println("allow: " + (decision.allow() ? "yes" : "no"));
                for (Denial d : decision.denials()) {
                    System.out.println("  " + d.id() + " (" + d.cite() + "): " + d.message());
                }
                decision.retryAt().ifPresent(t -> System.out.println("retry at: " + t));
            }
        } catch (PolicyException e) {
            System.err.println("policy error at " + e.line() + ":" + e.column() + " `" + e.field() + "`: "
                    + e.getMessage());
            System.exit(1);
        }
    }
}
