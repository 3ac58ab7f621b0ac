package dev.tether.profile;

import java.io.IOException;
import java.util.Optional;

/**
 * The input is not a valid dump of the expected format: unrecognised, truncated, binary where text was expected, a
 * line longer than the reader accepts, or a format not supported yet. The message names the source, the format that
 * was expected and where the problem is, e.g.
 * {@code heap.txt: Go goroutine dump (debug=2): line 57 (byte 4120): expected "<tab>file:line" after frame main.worker, found end of input}.
 */
public final class SnapshotFormatException extends IOException {

    private final String source;
    private final Format format;
    private final long line;
    private final long byteOffset;

    /**
     * @param source     the input's name
     * @param format     the format that was expected, or null if the input matched none
     * @param line       the 1-based line number of the problem, or -1 if not line-based (binary, JSON error without
     *                   position)
     * @param byteOffset the byte offset of the problem (of the line's start for line errors), or -1 if unknown
     * @param problem    what is wrong, without the position
     */
    public SnapshotFormatException(String source, Format format, long line, long byteOffset, String problem) {
        this(source, format, line, byteOffset, problem, null);
    }

    /** As {@link #SnapshotFormatException(String, Format, long, long, String)}, with the exception that caused it. */
    public SnapshotFormatException(String source, Format format, long line, long byteOffset, String problem,
                                   Throwable cause) {
        super(message(source, format, line, byteOffset, problem), cause);
        this.source = source;
        this.format = format;
        this.line = line;
        this.byteOffset = byteOffset;
    }

    private static String message(String source, Format format, long line, long byteOffset, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(source);
        if (format != null) sb.append(": ").append(format.description());
        if (line > 0) {
            sb.append(": line ").append(line);
            if (byteOffset >= 0) sb.append(" (byte ").append(byteOffset).append(')');
        } else if (byteOffset >= 0) {
            sb.append(": byte ").append(byteOffset);
        }
        return sb.append(": ").append(problem).toString();
    }

    /** The input's name, as given to the reader. */
    public String source() {
        return source;
    }

    /** The format the input was read as; empty if it matched no format. */
    public Optional<Format> format() {
        return Optional.ofNullable(format);
    }

    /** The 1-based line of the problem, or -1. */
    public long line() {
        return line;
    }

    /** The byte offset of the problem, or -1. */
    public long byteOffset() {
        return byteOffset;
    }
}
