package dev.tether.profile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads text lines as byte ranges of one reused buffer, for parsers that look at bytes and make strings only for what
 * they keep (see {@link Pool}).
 *
 * <p>Implementation notes. The buffer holds the unread input in {@code [pos, limit)}; {@link #next()} scans for
 * {@code '\n'}, and when the buffer ends first it moves the partial line to the front, doubling the buffer only while
 * one line needs it. A line longer than {@link #MAX_LINE} bytes is an error as soon as that many bytes are buffered,
 * so memory stays bounded by the limit whatever the input. The same scan rejects NUL bytes, which no text dump has: a
 * binary file fails on its first NUL instead of producing garbage. Every format here ends its last line with a
 * newline; input that does not was cut, and is an error. A trailing {@code '\r'} is dropped (CRLF files).
 */
final class LineReader {

    /** The longest line accepted, in bytes. Real dump lines are at most a few KiB (a long Go label set). */
    static final int MAX_LINE = 1 << 20;

    private final InputStream in;
    private final String source;
    private final Format format;

    byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;
    private boolean eof;
    /** Bytes of the input before {@code buf[0]}. */
    private long base;

    /** The current line is {@code buf[start, end)}, without its line end. */
    int start;
    int end;
    private long number;
    private long offset;

    LineReader(InputStream in, String source, Format format) {
        this.in = in;
        this.source = source;
        this.format = format;
    }

    /**
     * Advances to the next line.
     *
     * @return false at the end of the input
     * @throws SnapshotFormatException for a line over {@link #MAX_LINE}, a NUL byte, or a last line without a newline
     */
    boolean next() throws IOException {
        int scan = pos;
        while (true) {
            byte[] b = buf;
            for (int i = scan, n = limit; i < n; i++) {
                byte c = b[i];
                if (c == '\n') {
                    setLine(i);
                    pos = i + 1;
                    return true;
                }
                if (c == 0) {
                    throw new SnapshotFormatException(source, format, number + 1, base + i,
                            "binary data (a NUL byte) in a text dump");
                }
            }
            scan = limit;
            if (eof) {
                if (pos == limit) return false;
                number++;
                offset = base + pos;
                throw error("truncated: the last line does not end with a newline (\"" + snippet(pos, limit) + "\")");
            }
            if (limit - pos > MAX_LINE) {
                throw new SnapshotFormatException(source, format, number + 1, base + pos,
                        "line longer than " + (MAX_LINE >> 10) + " KiB: not a " + format.description());
            }
            if (limit == b.length) {
                if (pos > 0) {
                    System.arraycopy(b, pos, b, 0, limit - pos);
                    base += pos;
                    scan -= pos;
                    limit -= pos;
                    pos = 0;
                } else {
                    byte[] bigger = new byte[Math.min(b.length * 2, MAX_LINE + 2)];
                    System.arraycopy(b, 0, bigger, 0, limit);
                    buf = bigger;
                }
            }
            int n = in.read(buf, limit, buf.length - limit);
            if (n < 0) eof = true;
            else limit += n;
        }
    }

    private void setLine(int newline) {
        number++;
        offset = base + pos;
        start = pos;
        end = newline > pos && buf[newline - 1] == '\r' ? newline - 1 : newline;
    }

    /** The 1-based number of the current line. */
    long lineNumber() {
        return number;
    }

    /** The byte offset of the current line's start. */
    long lineOffset() {
        return offset;
    }

    boolean isBlank() {
        for (int i = start; i < end; i++) {
            byte c = buf[i];
            if (c != ' ' && c != '\t') return false;
        }
        return true;
    }

    boolean startsWith(String ascii) {
        return startsWith(start, ascii);
    }

    boolean startsWith(int at, String ascii) {
        int n = ascii.length();
        if (end - at < n) return false;
        for (int i = 0; i < n; i++) {
            if (buf[at + i] != ascii.charAt(i)) return false;
        }
        return true;
    }

    boolean endsWith(String ascii) {
        int n = ascii.length();
        return end - start >= n && startsWith(end - n, ascii);
    }

    int indexOf(byte c, int from) {
        for (int i = from; i < end; i++) {
            if (buf[i] == c) return i;
        }
        return -1;
    }

    int lastIndexOf(byte c, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (buf[i] == c) return i;
        }
        return -1;
    }

    int indexOf(String ascii, int from) {
        for (int i = from, n = end - ascii.length(); i <= n; i++) {
            if (startsWith(i, ascii)) return i;
        }
        return -1;
    }

    /** The index after the run of ASCII digits at {@code from}. */
    int digitsEnd(int from) {
        int i = from;
        while (i < end && buf[i] >= '0' && buf[i] <= '9') i++;
        return i;
    }

    /** Parses the decimal digits in {@code [from, to)}, or returns -1 if there are none or too many. */
    long parseLong(int from, int to) {
        if (to <= from || to - from > 18) return -1;
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = buf[i] - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }

    /** Parses {@code 0x}-prefixed hex in {@code [from, to)}, or returns -1. */
    long parseHex(int from, int to) {
        if (to - from < 3 || buf[from] != '0' || (buf[from + 1] | 0x20) != 'x' || to - from > 18) return -1;
        long v = 0;
        for (int i = from + 2; i < to; i++) {
            int c = buf[i];
            int d;
            if (c >= '0' && c <= '9') d = c - '0';
            else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
            else return -1;
            v = (v << 4) | d;
        }
        return v;
    }

    /** A new string of {@code [from, to)} of the current line (for text that is not worth pooling). */
    String string(int from, int to) {
        return new String(buf, from, to - from, StandardCharsets.UTF_8);
    }

    /** The current line, shortened for an error message. */
    String text() {
        return snippet(start, end);
    }

    /** {@code text} cut to a length that fits in an error message. */
    static String cut(String text) {
        return text.length() <= 120 ? text : text.substring(0, 120) + "...";
    }

    /** {@code [from, to)} of the current line, cut to a length that fits in an error message. */
    String snippet(int from, int to) {
        int max = 120;
        return to - from <= max ? string(from, to) : string(from, from + max) + "...";
    }

    /** An error at the current line. */
    SnapshotFormatException error(String problem) {
        return new SnapshotFormatException(source, format, number, offset, problem);
    }

    /** An error after the last line. */
    SnapshotFormatException errorAtEnd(String problem) {
        // Just past the last line read, not the end of what happens to be buffered: the same wherever reads split.
        return new SnapshotFormatException(source, format, number + 1, base + pos, problem);
    }
}
