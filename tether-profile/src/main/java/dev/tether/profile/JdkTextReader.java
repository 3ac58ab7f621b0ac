package dev.tether.profile;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the JDK's plain-text thread dump ({@link Format#JDK_TEXT}, {@code jcmd <pid> Thread.dump_to_file}):
 * <pre>
 * 14930                                   process id, time, runtime version, blank line
 * 2026-11-22T19:47:14.121531068Z
 * 25.0.3+9-LTS
 *
 * #21 "transfer-A-to-B" BLOCKED 2026-11-22T19:47:14.129739957Z      JDK 25: [virtual ]STATE time
 *     at demo.LockDeadlocks.transfer(LockDeadlocks.java:45)           JDK 21: "      frame", no "at"
 *     - locked &lt;demo.LockDeadlocks$Account@1ff31ce6&gt;
 *     - waiting to lock &lt;demo.LockDeadlocks$Account@1b86f547&gt;
 *
 * </pre>
 * Every thread, the last included, ends with a blank line; a dump that stops inside a thread was cut.
 */
final class JdkTextReader {

    private final LineReader in;
    private final String source;
    private final JvmSyntax syntax = new JvmSyntax();
    private final Entry.Builder b = Entry.builder(Entry.Kind.PLATFORM_THREAD);
    private final List<Entry> entries = new ArrayList<>();
    private boolean inThread;

    JdkTextReader(LineReader in, String source) {
        this.in = in;
        this.source = source;
    }

    Snapshot read() throws IOException {
        if (!in.next()) throw in.errorAtEnd("empty input");
        long pid = in.parseLong(in.start, in.end);
        if (pid < 0) throw in.error("expected the process id on the first line, found \"" + in.text() + "\"");
        if (!in.next()) throw in.errorAtEnd("truncated: no time after the process id");
        Instant time;
        try {
            time = Instant.parse(in.string(in.start, in.end));
        } catch (DateTimeParseException e) {
            throw in.error("expected the dump's time (ISO-8601) on the second line, found \"" + in.text() + "\"");
        }
        if (!in.next()) throw in.errorAtEnd("truncated: no runtime version after the time");
        String version = in.string(in.start, in.end).strip();

        while (in.next()) {
            if (in.isBlank()) {
                finish();
            } else if (in.buf[in.start] == '#') {
                if (inThread) throw in.error("a thread header without a blank line before it");
                header();
            } else if (!inThread) {
                throw in.error("expected a thread header \"#tid \\\"name\\\" ...\", found \"" + in.text() + "\"");
            } else if (in.startsWith("    at ")) {
                frame(in.start + 7);
            } else if (in.startsWith("    - ")) {
                annotation();
            } else if (in.startsWith("      ")) {
                frame(in.start + 6);
            } else {
                throw in.error("expected a frame \"    at ...\" or a lock line \"    - ...\", found \"" + in.text() + "\"");
            }
        }
        if (inThread) throw in.errorAtEnd("truncated: the last thread does not end with a blank line");
        return new Snapshot(new Snapshot.Metadata(Format.JDK_TEXT, source, pid, null, version, time, List.of()),
                entries, List.of());
    }

    /** {@code #tid "name" [virtual ]STATE time}; the name is everything up to the line's last quote. */
    private void header() throws SnapshotFormatException {
        int idEnd = in.digitsEnd(in.start + 1);
        long tid = in.parseLong(in.start + 1, idEnd);
        int quote = in.lastIndexOf((byte) '"', idEnd, in.end);
        if (tid < 0 || !in.startsWith(idEnd, " \"") || quote <= idEnd + 1) {
            throw in.error("expected a thread header \"#tid \\\"name\\\" ...\", found \"" + in.text() + "\"");
        }
        b.reset(Entry.Kind.PLATFORM_THREAD).id(tid).name(syntax.string(in.string(idEnd + 2, quote)));
        for (String word : in.string(quote + 1, in.end).trim().split(" +")) {
            if (word.equals("virtual")) {
                b.kind(Entry.Kind.VIRTUAL_THREAD);
            } else if (JvmSyntax.isThreadState(word)) {
                String s = syntax.string(word);
                b.status(s).state(JvmSyntax.state(s));
            }
        }
        inThread = true;
    }

    private void frame(int from) throws SnapshotFormatException {
        String text = in.string(from, in.end).strip();
        Frame f = syntax.frame(text);
        if (f == null) throw in.error("not a stack frame: \"" + in.text() + "\"");
        b.addFrame(f);
    }

    /** {@code - locked <obj>}, {@code - waiting to lock <obj>}, {@code - parking to wait for <obj>}, {@code - waiting on <obj>}. */
    private void annotation() throws SnapshotFormatException {
        int open = in.indexOf((byte) '<', in.start);
        int close = in.lastIndexOf((byte) '>', in.start, in.end);
        if (open < 0 || close < open) return; // an annotation without an object: nothing to keep
        ObjectRef ref = syntax.identityRef(in.string(open + 1, close));
        int what = in.start + 6;
        if (in.startsWith(what, "locked ")) {
            if (b.frameCount() == 0) throw in.error("a lock line before any frame");
            b.addHeldLock(new HeldLock(ref, b.frameCount() - 1));
        } else if (in.startsWith(what, "waiting to lock ") || in.startsWith(what, "waiting to re-lock")) {
            b.blockedOn(ref);
        } else if (in.startsWith(what, "parking to wait for ")) {
            b.parkBlocker(ref);
        } else if (in.startsWith(what, "waiting on ")) {
            b.waitingOn(ref);
        }
    }

    private void finish() {
        if (!inThread) return;
        entries.add(b.build());
        inThread = false;
    }
}
