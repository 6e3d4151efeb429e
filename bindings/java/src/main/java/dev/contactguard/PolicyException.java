package dev.contactguard;

/**
 * A policy could not be loaded; {@link #file()}, {@link #line()}, {@link #column()} and {@link #field()} say
 * where.
 */
public class PolicyException extends ContactGuardException {
    private static final long serialVersionUID = 1L;

    PolicyException(int result, String code, String message, String field, String help, String file, int line,
            int column, long row) {
        super(result, code, message, field, help, file, line, column, row);
    }
}
