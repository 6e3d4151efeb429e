package dev.contactguard;

/**
 * A call into contactguard failed: the C ABI's status ({@code CG_RESULT_*})
 * and the diagnostic every front end shares (docs/errors.md): a stable code
 * ({@code ffi.invalid_enum}, {@code json.syntax}...), a message, a help hint,
 * and where known the file, line, column, field and row of the mistake.
 */
public class ContactGuardException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int result;
    private final String code;
    private final String field;
    private final String help;
    private final String file;
    private final int line;
    private final int column;
    private final long row;

    ContactGuardException(int result, String code, String message, String field, String help, int line, int column) {
        this(result, code, message, field, help, "", line, column, -1);
    }

    ContactGuardException(int result, String code, String message, String field, String help, String file, int line,
            int column, long row) {
        super(message);
        this.result = result;
        this.code = code;
        this.field = field;
        this.help = help;
        this.file = file;
        this.line = line;
        this.column = column;
        this.row = row;
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

    /**
     * The file of the mistake (the path given to {@link Policy#load}, or
     * {@code preset:NAME}), or empty.
     */
    public String file() {
        return file;
    }

    /** The 0-based row of an audited log, or -1 when the error is about no row. */
    public long row() {
        return row;
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
     * {@code code: message (file F, line L, column C, row R, field `f`; help: ...)}.
     */
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(code.isEmpty() ? "contactguard" : code).append(": ").append(getMessage());
        StringBuilder where = new StringBuilder();
        if (!file.isEmpty()) {
            where.append("file ").append(file);
        }
        if (line > 0) {
            where.append(where.length() > 0 ? ", " : "");
            where.append("line ").append(line);
            if (column > 0) {
                where.append(", column ").append(column);
            }
        }
        if (row >= 0) {
            where.append(where.length() > 0 ? ", " : "").append("row ").append(row);
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
