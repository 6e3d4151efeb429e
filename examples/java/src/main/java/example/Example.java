package example;

import dev.contactguard.AttemptResult;
import dev.contactguard.Ask;
import dev.contactguard.Channel;
import dev.contactguard.ContactGuardException;
import dev.contactguard.Decision;
import dev.contactguard.Denial;
import dev.contactguard.Event;
import dev.contactguard.History;
import dev.contactguard.Place;
import dev.contactguard.Policy;
import dev.contactguard.Purpose;
import dev.contactguard.Role;
import java.time.Instant;

/**
 * May we call this debtor at 07:59 New York time under Regulation F and
 * Massachusetts rules, after an unanswered call yesterday? Copy this: every
 * native handle is owned by one try-with-resources block.
 *
 * <p>A project of its own that depends on the installed artifact (see
 * bindings/java/README.md); the jar carries the native library, so it runs
 * with no flags:
 *
 * <pre>
 * mvn -f bindings/java/pom.xml install
 * mvn -f examples/java/pom.xml -q compile exec:java
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
        } catch (ContactGuardException e) {
            // code: message (line, column and field when known; help)
            System.err.println("error: " + e.describe());
            System.exit(1);
        }
    }
}
