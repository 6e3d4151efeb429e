package dev.contactguard;

/** A policy could not be loaded; {@link #line()}, {@link #column()} and {@link #field()} say where. */
public class PolicyException extends ContactGuardException {
    private static final long serialVersionUID = 1L;

    PolicyException(int result, String code, String message, String field, String help, int line, int column) {
        super(result, code, message, field, help, line, column);
    }
}
