package dev.tether.profile;

import java.io.IOException;
import java.io.Writer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Snapshot} in Go's text goroutine profiles, which {@link GoProfileReader} and
 * {@link GoTracebackReader} (and people used to Go) read:
 * <ul>
 *   <li>{@code debug=1} ({@link Format#GO_DEBUG1}): entries with the same stack, labels and program counters are
 *       one record, largest first, as Go groups goroutines. {@code N @} lists the entry's program counters (none if
 *       the format it came from has none); a {@code #} line per frame, with PC {@code 0x0} (a snapshot keeps no PC
 *       per frame) and no offset. For goroutines, leading {@code runtime.} frames are left out, as Go does.</li>
 *   <li>{@code debug=2} ({@link Format#GO_DEBUG2}): one block per goroutine, task or thread — an entry that stands
 *       for {@code N} of them (a group) is written {@code N} times, as {@code goroutine 0} if it has no id. The
 *       bracket holds the status (a goroutine's own, else the wait reason, else the state in Go's words),
 *       {@code N minutes} from one minute on, {@code locked to thread}; inlined frames print as {@code f(...)}
 *       without a PC offset, others as {@code f()} (arguments are not kept); {@code created by f in goroutine N}.</li>
 * </ul>
 * JVM frames' files are written as source paths ({@code dev/tether/Channel.java}), as in the pprof profile; an
 * unknown file is {@code ?} and an unknown or native line {@code 0}, Go's spelling. What the formats cannot hold —
 * names, owners, JVM locks — is left out: {@link JsonWriter} writes everything.
 */
final class GoTextWriter {

    private GoTextWriter() {
    }

    // ---- debug=1 -------------------------------------------------------------------------------------------------

    private record Key(List<Frame> stack, Map<String, String> labels, List<Long> pcs, boolean jvm) {
    }

    static void debug1(Snapshot s, Writer out) throws IOException {
        Map<Key, long[]> records = new LinkedHashMap<>();
        for (Entry e : s.entries()) {
            Key k = new Key(e.stack(), e.labels(), e.programCounters(), e.kind() != Entry.Kind.GOROUTINE);
            records.computeIfAbsent(k, x -> new long[1])[0] += e.count();
        }
        List<Map.Entry<Key, long[]>> sorted = new ArrayList<>(records.entrySet());
        sorted.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])); // stable: ties keep dump order
        out.write("goroutine profile: total " + s.total() + "\n");
        for (Map.Entry<Key, long[]> r : sorted) {
            Key k = r.getKey();
            out.write(Long.toString(r.getValue()[0]));
            out.write(" @");
            for (long pc : k.pcs()) {
                out.write(" 0x");
                out.write(Long.toHexString(pc));
            }
            out.write('\n');
            if (!k.labels().isEmpty()) {
                out.write("# labels: {");
                boolean first = true;
                for (Map.Entry<String, String> l : k.labels().entrySet()) {
                    if (!first) out.write(", ");
                    first = false;
                    quote(l.getKey(), out);
                    out.write(':');
                    quote(l.getValue(), out);
                }
                out.write("}\n");
            }
            List<Frame> stack = k.stack();
            int from = 0;
            if (!k.jvm()) { // Go lists runtime frames only below the first other one, or when there is no other
                while (from < stack.size() && stack.get(from).function().startsWith("runtime.")) from++;
                if (from == stack.size()) from = 0;
            }
            for (Frame f : stack.subList(from, stack.size())) {
                out.write("#\t0x0\t");
                out.write(f.function());
                out.write('\t');
                fileLine(f, k.jvm(), out);
                out.write('\n');
            }
            out.write('\n');
        }
    }

    /** Go's {@code %q}: quoted, with {@code \"}, {@code \\}, the C escapes, and hex escapes for the rest. */
    static void quote(String s, Writer out) throws IOException {
        out.write('"');
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            switch (c) {
                case '"' -> out.write("\\\"");
                case '\\' -> out.write("\\\\");
                case 7 -> out.write("\\a");
                case '\b' -> out.write("\\b");
                case '\f' -> out.write("\\f");
                case '\n' -> out.write("\\n");
                case '\r' -> out.write("\\r");
                case '\t' -> out.write("\\t");
                case 11 -> out.write("\\v");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.write(String.format("\\x%02x", c));
                    } else if (Character.isISOControl(c) || Character.isSurrogate((char) c) && c < 0x10000
                            || !Character.isDefined(c)) {
                        out.write(c < 0x10000 ? String.format("\\u%04x", c) : String.format("\\U%08x", c));
                    } else {
                        out.write(Character.toString(c));
                    }
                }
            }
        }
        out.write('"');
    }

    // ---- debug=2 -------------------------------------------------------------------------------------------------

    static void debug2(Snapshot s, Writer out) throws IOException {
        StringBuilder block = new StringBuilder(1024);
        for (Entry e : s.entries()) {
            block.setLength(0);
            boolean jvm = e.kind() != Entry.Kind.GOROUTINE;
            block.append(" [").append(status(e));
            Duration waited = e.waited().orElse(null);
            if (waited != null && waited.toMinutes() >= 1) block.append(", ").append(waited.toMinutes()).append(" minutes");
            if (e.lockedToThread()) block.append(", locked to thread");
            block.append("]:\n");
            for (Frame f : e.stack()) {
                block.append(f.function()).append(f.inlined() ? "(...)" : "()").append("\n\t");
                fileLine(f, jvm, block);
                block.append('\n');
            }
            if (e.stackTruncated()) block.append("...additional frames elided...\n");
            Frame c = e.createdBy().orElse(null);
            if (c != null) {
                block.append("created by ").append(c.function());
                if (e.creatorId().isPresent()) block.append(" in goroutine ").append(e.creatorId().getAsLong());
                block.append("\n\t");
                fileLine(c, jvm, block);
                block.append('\n');
            }
            block.append('\n');
            String id = Long.toString(e.id().orElse(0));
            for (int i = 0; i < e.count(); i++) {
                out.write("goroutine ");
                out.write(id);
                out.append(block);
            }
        }
    }

    /** The bracket's first word: a goroutine's status as read, else the wait reason, else the state in Go's words. */
    static String status(Entry e) {
        if (e.kind() == Entry.Kind.GOROUTINE && e.status().isPresent()) return e.status().get();
        if (e.waitReason().isPresent()) return e.waitReason().get();
        return switch (e.state()) {
            case RUNNING -> "running";
            case RUNNABLE -> "runnable";
            case SYSCALL -> "syscall";
            case NEW -> "idle";
            case TERMINATED -> "dead";
            case WAITING -> "waiting";
            case TIMED_WAITING -> "timed waiting";
            case BLOCKED -> "blocked";
            case UNKNOWN -> "unknown";
        };
    }

    private static void fileLine(Frame f, boolean jvm, Appendable out) throws IOException {
        String file = f.file() == null ? "?" : jvm ? PprofWriter.sourcePath(f) : f.file();
        out.append(file).append(':').append(Integer.toString(Math.max(0, f.line())));
    }
}
