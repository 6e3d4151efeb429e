package dev.contactguard;

/**
 * A call into contactguard failed: the C ABI's status ({@code CG_RESULT_*}),
 * its stable code ({@code ffi.invalid_enum}, {@code json.syntax}...), a
 * message, and where known the field, line and column of the mistake.
 */
public class ContactGuardException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int result;
    private final String code;
    private final String field;
    private final String help;
    private final int line;
    private final int column;

    ContactGuardException(int result, String code, String message, String field, String help, int line, int column) {
        super(message);
        this.result = result;
        this.code = code;
        this.field = field;
        this.help = help;
        this.line = line;
        this.column = column;
    }

    /** The C status, e.g. 4 for {@code CG_RESULT_INVALID_ENUM}. */
    public int result() {
        return result;
    }

    /** The stable code, e.g. {@code policy.syntax} or {@code ffi.null_argument}. */
    public String code() {
        return code;
    }

    /** The field at fault ({@code rules[0].limit}, {@code ask.channel}), or empty. */
    public String field() {
        return field;
    }

    /** A hint on how to fix it, or empty. */
    public String help() {
        return help;
    }

    /** The 1-based line of the mistake, or 0 when not known. */
    public int line() {
        return line;
    }

    /** The 1-based column of the mistake, or 0 when not known. */
    public int column() {
        return column;
    }

    /**
     * The whole diagnostic on one line, with only the parts that are known:
     * {@code code: message (line L, column C, field `f`; help: ...)}.
     */
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(code.isEmpty() ? "contactguard" : code).append(": ").append(getMessage());
        StringBuilder where = new StringBuilder();
        if (line > 0) {
            where.append("line ").append(line);
            if (column > 0) {
                where.append(", column ").append(column);
            }
        }
        if (!field.isEmpty()) {
            where.append(where.length() > 0 ? ", " : "").append("field `").append(field).append('`');
        }
        if (!help.isEmpty()) {
            where.append(where.length() > 0 ? "; " : "").append("help: ").append(help);
        }
        if (where.length() > 0) {
            b.append(" (").append(where).append(')');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return getClass().getName() + ": " + describe();
    }
}
