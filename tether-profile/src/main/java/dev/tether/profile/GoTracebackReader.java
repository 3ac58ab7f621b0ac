package dev.tether.profile;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Go's goroutine tracebacks: {@code ?debug=2} ({@link Format#GO_DEBUG2}) and crash output
 * ({@link Format#GO_CRASH}), which share the goroutine syntax:
 * <pre>
 * goroutine 14 [chan receive, 1 minutes, locked to thread]:
 * main.renderLoop(0x0?)
 * 	/tmp/src/syncleaks/main.go:122 +0x5a
 * sync.(*Mutex).Lock(...)                    an inlined frame: "(...)" and no "+0x" offset
 * 	/usr/lib/go/src/sync/mutex.go:90
 * ...additional frames elided...
 * created by main.main in goroutine 1        " in goroutine N" from Go 1.21 on
 * 	/tmp/src/syncleaks/main.go:182 +0x52b
 * [originating from goroutine 1]:            GODEBUG=tracebackancestors: read, not kept
 * </pre>
 *
 * <p>Implementation notes. One pass, one line at a time, no lookahead: a function line is held as pending until its
 * tab-indented file line arrives. A goroutine ends at a blank line or the next header. Crash output differs only
 * outside goroutines: lines before the first header are the preamble (the panic message), and other lines between
 * goroutines ({@code runtime stack:} sections, {@code exit status 2}) are skipped; in {@code debug=2} they are errors.
 */
final class GoTracebackReader {
    /** About 1,900 years: more than any process has waited, far less than overflows a {@link Duration}. */
    private static final long MAX_WAIT_MINUTES = 1_000_000_000L;


    /** The preamble keeps at most this many lines of at most {@link #MAX_PREAMBLE_LINE} bytes: it is a message. */
    private static final int MAX_PREAMBLE = 200;
    private static final int MAX_PREAMBLE_LINE = 4096;

    private final LineReader in;
    private final Format format;
    private final String source;
    private final Pool pool = new Pool();
    private final Entry.Builder b = Entry.builder(Entry.Kind.GOROUTINE);
    private final List<Entry> entries = new ArrayList<>();
    private final List<String> preamble = new ArrayList<>();
    private final Map<Long, Duration> minutes = new HashMap<>();

    private boolean inGoroutine;
    private boolean inAncestors;
    /** A function line waiting for its file line; null if none. */
    private String pendingFunction;
    private boolean pendingElidedArgs;
    private boolean pendingCreatedBy;
    private long pendingCreator;

    GoTracebackReader(LineReader in, Format format, String source) {
        this.in = in;
        this.format = format;
        this.source = source;
    }

    Snapshot read() throws IOException {
        boolean crash = format == Format.GO_CRASH;
        while (in.next()) {
            if (pendingFunction != null) {
                fileLine();
                continue;
            }
            if (in.isBlank()) {
                finish();
                continue;
            }
            byte first = in.buf[in.start];
            if (first == 'g' && in.startsWith("goroutine ") && header()) continue;
            if (!inGoroutine) {
                if (!crash) {
                    throw in.error("expected a goroutine header \"goroutine N [status]:\", found \"" + in.text() + "\"");
                }
                if (entries.isEmpty() && preamble.size() < MAX_PREAMBLE) {
                    preamble.add(in.string(in.start, Math.min(in.end, in.start + MAX_PREAMBLE_LINE)));
                }
                continue;
            }
            if (first == '\t') {
                // A goroutine running on another thread when a crash dumped it has no frames, just this note.
                if (in.startsWith("\tgoroutine running on other thread")) continue;
                throw in.error("a file:line line without a function line before it");
            }
            if (first == 'c' && in.startsWith("created by ")) {
                createdBy();
            } else if (first == '[' && in.startsWith("[originating from goroutine ")) {
                inAncestors = true;
            } else if (first == '.' && in.startsWith("...") && in.endsWith("...") && in.indexOf("elided", in.start) > 0) {
                if (!inAncestors) b.stackTruncated(true);
            } else if (crash && first == 'e' && in.startsWith("exit status ")) {
                finish();
            } else {
                functionLine();
            }
        }
        if (pendingFunction != null) {
            throw in.errorAtEnd("truncated: " + (pendingCreatedBy ? "created by " : "frame ")
                    + LineReader.cut(pendingFunction) + " has no file:line line");
        }
        finish();
        if (entries.isEmpty()) throw in.errorAtEnd("no goroutines");
        return new Snapshot(new Snapshot.Metadata(format, source, null, null, null, null, preamble), entries, List.of());
    }

    /** Starts a goroutine if the line is a header; returns false for other lines that begin with "goroutine ". */
    private boolean header() throws SnapshotFormatException {
        byte[] buf = in.buf;
        int idStart = in.start + "goroutine ".length();
        int idEnd = in.digitsEnd(idStart);
        if (idEnd == idStart || idEnd == in.end || buf[idEnd] != ' ') return false;
        int open = in.indexOf((byte) '[', idEnd);
        if (open < 0 || !in.endsWith("]:")) return false;
        long id = in.parseLong(idStart, idEnd);
        if (id < 0) throw in.error("goroutine id out of range");
        finish();
        b.reset(Entry.Kind.GOROUTINE).id(id);
        inGoroutine = true;

        // [status, N minutes, locked to thread]; Go also prints " (scan)" after the status and, for synctest,
        // " (durable)" and ", synctest bubble N": kept in the status or skipped.
        int close = in.end - 2;
        int statusEnd = in.indexOf(", ", open + 1);
        if (statusEnd < 0 || statusEnd > close) statusEnd = close;
        String status = pool.string(buf, open + 1, statusEnd);
        Entry.State state = state(status);
        b.status(status).state(state).waitReason(state == Entry.State.WAITING ? status : null);
        for (int i = statusEnd; i < close; ) {
            int from = i + 2;
            int to = in.indexOf(", ", from);
            if (to < 0 || to > close) to = close;
            if (in.startsWith(from, "locked to thread")) {
                b.lockedToThread(true);
            } else {
                int digits = in.digitsEnd(from);
                if (digits > from && in.startsWith(digits, " minute")) {
                    long n = in.parseLong(from, digits);
                    // Go prints minutes of a wait since the process started: anything near Duration's range is junk.
                    if (n > MAX_WAIT_MINUTES) throw in.error("a wait of " + n + " minutes is out of range");
                    if (n >= 0) b.waited(minutes.computeIfAbsent(n, Duration::ofMinutes));
                }
            }
            i = to;
        }
        return true;
    }

    static Entry.State state(String status) {
        String s = status;
        int paren = s.indexOf(" (");
        if (paren > 0 && (s.endsWith(" (scan)") || s.endsWith(" (durable)"))) s = s.substring(0, paren);
        return switch (s) {
            case "running" -> Entry.State.RUNNING;
            case "runnable", "preempted", "copystack" -> Entry.State.RUNNABLE;
            case "syscall" -> Entry.State.SYSCALL;
            case "idle" -> Entry.State.NEW;
            case "dead" -> Entry.State.TERMINATED;
            default -> Entry.State.WAITING;
        };
    }

    /** {@code pkg.fn(args)}: the function is everything before the last balanced parenthesis group. */
    private void functionLine() {
        byte[] buf = in.buf;
        int fnEnd = in.end;
        boolean elided = false;
        if (buf[in.end - 1] == ')') {
            int depth = 0;
            int i = in.end - 1;
            for (; i > in.start; i--) {
                byte c = buf[i];
                if (c == ')') {
                    depth++;
                } else if (c == '(' && --depth == 0) {
                    break;
                }
            }
            if (i > in.start) {
                fnEnd = i;
                elided = in.end - i == 5 && in.startsWith(i, "(...)");
            }
        }
        pendingFunction = pool.string(buf, in.start, fnEnd);
        pendingElidedArgs = elided;
        pendingCreatedBy = false;
    }

    /** {@code created by pkg.fn} or {@code created by pkg.fn in goroutine N}; its file line follows. */
    private void createdBy() {
        int from = in.start + "created by ".length();
        int to = in.end;
        long creator = -1;
        int suffix = in.indexOf(" in goroutine ", from);
        if (suffix > 0) {
            creator = in.parseLong(suffix + " in goroutine ".length(), in.end);
            if (creator >= 0) to = suffix;
        }
        pendingFunction = pool.string(in.buf, from, to);
        pendingElidedArgs = false;
        pendingCreatedBy = true;
        pendingCreator = creator;
    }

    /** {@code <tab>/path/file.go:123 +0x1d}, optionally followed by {@code fp=... sp=... pc=...}. */
    private void fileLine() throws SnapshotFormatException {
        byte[] buf = in.buf;
        if (in.end == in.start || buf[in.start] != '\t') {
            throw in.error("expected \"<tab>file:line\" after " + (pendingCreatedBy ? "created by " : "frame ")
                    + LineReader.cut(pendingFunction) + ", found \"" + in.text() + "\"");
        }
        int colon = -1;
        int digitsEnd = -1;
        for (int i = in.end - 1; i > in.start; i--) {
            if (buf[i] == ':') {
                int d = in.digitsEnd(i + 1);
                if (d > i + 1 && (d == in.end || buf[d] == ' ')) {
                    colon = i;
                    digitsEnd = d;
                    break;
                }
            }
        }
        if (colon < 0) {
            throw in.error("expected \"<tab>file:line\" after " + (pendingCreatedBy ? "created by " : "frame ")
                    + LineReader.cut(pendingFunction) + ", found \"" + in.text() + "\"");
        }
        long line = in.parseLong(colon + 1, digitsEnd);
        if (line < 0 || line > Integer.MAX_VALUE) throw in.error("line number out of range");
        boolean pcOffset = in.startsWith(digitsEnd, " +0x");
        String function = pendingFunction;
        pendingFunction = null;
        if (inAncestors) return;
        if (function == null || function.isEmpty()) throw in.error("a file:line line without a function line before it");
        String file = pool.string(buf, in.start + 1, colon);
        Frame frame = pool.frame(function, file, (int) line, pendingElidedArgs && !pcOffset);
        if (pendingCreatedBy) {
            b.createdBy(frame);
            if (pendingCreator >= 0) b.creatorId(pendingCreator);
        } else {
            b.addFrame(frame);
        }
    }

    private void finish() {
        if (!inGoroutine) return;
        entries.add(b.build());
        inGoroutine = false;
        inAncestors = false;
    }
}
