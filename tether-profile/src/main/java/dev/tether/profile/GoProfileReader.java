package dev.tether.profile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads Go's grouped goroutine profile, {@code ?debug=1} ({@link Format#GO_DEBUG1}):
 * <pre>
 * goroutine profile: total 312
 * 120 @ 0x43b256 0x40708c 0x406c3d 0x6a7445 0x46b1e1
 * # labels: {"handler":"search", "tenant":"acme"}
 * #	0x6a7444	main.searchHandler.func1.1+0x64	example.com/httpleak/main.go:60
 *
 * </pre>
 * Each record is one entry with its count. Go ends every record with a blank line, and the header's total must equal
 * the sum of the counts (Go writes both from one snapshot): a record without its blank line, or a difference, means
 * the file was cut.
 */
final class GoProfileReader {

    private static final String HEADER = "goroutine profile: total ";
    private static final String LABELS = "# labels: ";

    private final LineReader in;
    private final String source;
    private final Pool pool = new Pool();
    private final Entry.Builder b = Entry.builder(Entry.Kind.GOROUTINE);
    private final List<Entry> entries = new ArrayList<>();
    private boolean inRecord;
    private long[] pcs = new long[64];

    GoProfileReader(LineReader in, String source) {
        this.in = in;
        this.source = source;
    }

    Snapshot read() throws IOException {
        if (!in.next() || !in.startsWith(HEADER)) {
            throw in.error("expected \"" + HEADER + "N\", found \"" + (in.lineNumber() == 0 ? "" : in.text()) + "\"");
        }
        long total = in.parseLong(in.start + HEADER.length(), in.end);
        if (total < 0) throw in.error("expected a goroutine count after \"" + HEADER + "\"");
        long sum = 0;
        while (in.next()) {
            if (in.isBlank()) {
                finish();
            } else if (in.startsWith("#\t") || in.startsWith("# 0x") ) {
                if (!inRecord) throw in.error("a frame line outside a record");
                frame();
            } else if (in.startsWith(LABELS)) {
                if (!inRecord || b.frameCount() > 0) throw in.error("a labels line outside a record's header");
                labels();
            } else {
                finish();
                sum += record();
            }
        }
        // Go ends every record with a blank line: a record still open was cut.
        if (inRecord) throw in.errorAtEnd("truncated: the last record does not end with a blank line");
        if (sum != total) {
            throw in.errorAtEnd("truncated or inconsistent: the header says total " + total
                    + " but the records add up to " + sum);
        }
        return new Snapshot(new Snapshot.Metadata(Format.GO_DEBUG1, source, null, null, null, null, List.of()),
                entries, List.of());
    }

    /** {@code N @ 0xpc 0xpc ...}: starts a record. */
    private int record() throws SnapshotFormatException {
        int countEnd = in.digitsEnd(in.start);
        if (countEnd == in.start || !in.startsWith(countEnd, " @")) {
            throw in.error("expected a record \"N @ 0x...\", found \"" + in.text() + "\"");
        }
        long count = in.parseLong(in.start, countEnd);
        if (count < 1 || count > Integer.MAX_VALUE) throw in.error("record count out of range");
        int n = 0;
        int i = countEnd + 2;
        while (i < in.end) {
            if (in.buf[i] == ' ') {
                i++;
                continue;
            }
            int to = in.indexOf((byte) ' ', i);
            if (to < 0) to = in.end;
            long pc = in.parseHex(i, to);
            if (pc < 0) throw in.error("expected a program counter 0x..., found \"" + in.snippet(i, to) + "\"");
            if (n == pcs.length) pcs = Arrays.copyOf(pcs, n * 2);
            pcs[n++] = pc;
            i = to;
        }
        b.reset(Entry.Kind.GOROUTINE).count((int) count).programCounters(pcs, n);
        inRecord = true;
        return (int) count;
    }

    /** {@code #<tabs>0xpc<tabs>pkg.fn+0xoff<tabs>file:line}. */
    private void frame() throws SnapshotFormatException {
        byte[] buf = in.buf;
        int i = skipTabs(in.start + 1);
        int pcEnd = in.indexOf((byte) '\t', i);
        if (pcEnd < 0) throw malformedFrame();
        int fn = skipTabs(pcEnd);
        int fnEnd = in.indexOf((byte) '\t', fn);
        if (fnEnd < 0) throw malformedFrame();
        int file = skipTabs(fnEnd);
        int plus = in.lastIndexOf((byte) '+', fn, fnEnd);
        if (plus > fn && in.startsWith(plus, "+0x")) fnEnd = plus;
        int colon = in.lastIndexOf((byte) ':', file, in.end);
        if (colon < 0) throw malformedFrame();
        long line = in.parseLong(colon + 1, in.end);
        if (line < 0 || line > Integer.MAX_VALUE || fnEnd == fn) throw malformedFrame();
        String function = pool.string(buf, fn, fnEnd);
        b.addFrame(pool.frame(function, pool.string(buf, file, colon), (int) line, false));
    }

    private int skipTabs(int i) {
        while (i < in.end && (in.buf[i] == '\t' || in.buf[i] == ' ')) i++;
        return i;
    }

    private SnapshotFormatException malformedFrame() {
        return in.error("expected a frame \"#<tab>0xpc<tab>function+0xoff<tab>file:line\", found \"" + in.text() + "\"");
    }

    /** {@code # labels: {"k":"v", "k2":"v2"}}, keys and values quoted as Go's %q does. */
    private void labels() throws SnapshotFormatException {
        byte[] buf = in.buf;
        int i = in.start + LABELS.length();
        if (i >= in.end || buf[i] != '{' || buf[in.end - 1] != '}') throw in.error("malformed labels: " + in.text());
        i++;
        int close = in.end - 1;
        int[] next = new int[1];
        while (true) {
            while (i < close && buf[i] == ' ') i++;
            if (i == close) break;
            String key = quoted(i, close, next);
            i = next[0];
            if (i >= close || buf[i] != ':') throw in.error("malformed labels: " + in.text());
            String value = quoted(i + 1, close, next);
            i = next[0];
            b.label(pool.string(key), pool.string(value));
            if (i < close) {
                if (buf[i] != ',') throw in.error("malformed labels: " + in.text());
                i++;
            }
        }
    }

    /** Reads the Go-quoted string at {@code from}; stores the index after its closing quote in {@code next[0]}. */
    private String quoted(int from, int to, int[] next) throws SnapshotFormatException {
        byte[] buf = in.buf;
        if (from >= to || buf[from] != '"') throw in.error("malformed labels: expected '\"': " + in.text());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = from + 1;
        while (i < to) {
            byte c = buf[i];
            if (c == '"') {
                next[0] = i + 1;
                return out.toString(StandardCharsets.UTF_8);
            }
            if (c != '\\') {
                out.write(c);
                i++;
                continue;
            }
            if (i + 1 >= to) break;
            byte e = buf[i + 1];
            i += 2;
            switch (e) {
                case 'a' -> out.write(7);
                case 'b' -> out.write('\b');
                case 'f' -> out.write('\f');
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 't' -> out.write('\t');
                case 'v' -> out.write(11);
                case '\\', '"', '\'' -> out.write(e);
                case 'x', 'u', 'U' -> {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + n > to) throw in.error("malformed labels: bad escape: " + in.text());
                    int v = 0;
                    for (int k = 0; k < n; k++) {
                        int d = Character.digit(buf[i + k], 16);
                        if (d < 0) throw in.error("malformed labels: bad escape: " + in.text());
                        v = v * 16 + d;
                    }
                    i += n;
                    if (e == 'x') {
                        out.write(v);
                    } else if (Character.isValidCodePoint(v)) {
                        out.writeBytes(new String(Character.toChars(v)).getBytes(StandardCharsets.UTF_8));
                    } else {
                        throw in.error("malformed labels: bad escape: " + in.text());
                    }
                }
                default -> {
                    if (e < '0' || e > '7' || i + 1 >= to) throw in.error("malformed labels: bad escape: " + in.text());
                    out.write(((e - '0') << 6) | ((buf[i] - '0') << 3) | (buf[i + 1] - '0'));
                    i += 2;
                }
            }
        }
        throw in.error("malformed labels: unterminated string: " + in.text());
    }

    private void finish() {
        if (!inRecord) return;
        entries.add(b.build());
        inRecord = false;
    }
}
