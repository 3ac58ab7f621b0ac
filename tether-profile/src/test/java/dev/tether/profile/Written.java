package dev.tether.profile;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Helpers for the writer tests: write to bytes, read back, and compare snapshots by group. */
final class Written {

    private Written() {
    }

    static byte[] bytes(Snapshot s, Format f) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            Snapshots.write(s, f, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] json(Snapshot s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            Snapshots.writeJson(s, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes {@code s} in {@code f} and reads it back, checking that it reads as {@code f}. */
    static Snapshot roundTrip(Snapshot s, Format f) {
        byte[] b = bytes(s, f);
        try {
            Snapshot r = Snapshots.read(new ByteArrayInputStream(b), "written-" + f);
            if (r.metadata().format() != f) throw new AssertionError("read back as " + r.metadata().format());
            return r;
        } catch (IOException e) {
            throw new AssertionError("reading back what was written as " + f + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The pprof samples {@code s} makes: count by stack (as written: JVM files as source paths, lines of at least 0)
     * and labels, with state, wait reason and owner as the writer adds them.
     */
    static Map<List<Object>, Long> pprofGroups(Snapshot s) {
        Map<List<Object>, Long> out = new HashMap<>();
        for (Entry e : s.entries()) {
            boolean jvm = e.kind() != Entry.Kind.GOROUTINE;
            List<String> stack = new ArrayList<>();
            for (Frame f : e.stack()) {
                String file = f.file() == null ? "" : jvm ? PprofWriter.sourcePath(f) : f.file();
                stack.add(f.function() + " " + file + ":" + Math.max(0, f.line()) + (f.inlined() ? " inlined" : ""));
            }
            Map<String, String> labels = new TreeMap<>(e.labels());
            if (e.state() != Entry.State.UNKNOWN) labels.putIfAbsent("state", PprofWriter.stateLabel(e.state()));
            e.waitReason().ifPresent(r -> labels.putIfAbsent("wait_reason", r));
            e.owner().ifPresent(o -> labels.putIfAbsent("owner", PprofWriter.ownerLabel(o)));
            out.merge(List.of(stack, labels), (long) e.count(), Long::sum);
        }
        return out;
    }

    /** Count by stack (function and line) and labels only: what every format keeps. */
    static Map<List<Object>, Long> functionGroups(Snapshot s) {
        Map<List<Object>, Long> out = new HashMap<>();
        for (Entry e : s.entries()) {
            List<String> stack = e.stack().stream().map(f -> f.function() + ":" + Math.max(0, f.line())).toList();
            out.merge(List.of(stack, e.labels()), (long) e.count(), Long::sum);
        }
        return out;
    }
}
