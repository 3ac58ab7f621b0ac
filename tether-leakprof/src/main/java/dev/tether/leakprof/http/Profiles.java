package dev.tether.leakprof.http;

import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.profile.Entry;
import dev.tether.profile.Format;
import dev.tether.profile.Frame;
import dev.tether.profile.Owner;
import dev.tether.profile.Snapshot;
import dev.tether.profile.Snapshots;
import dev.tether.profile.TaskSnapshots;
import dev.tether.profile.proto.ProfileProto;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The two profiles the endpoint serves, as {@link Snapshot}s written by tether-profile's writers: {@code goroutine}
 * (the live tasks) and {@code goroutineleak} (the tasks the garbage collector proved leaked), and what makes the
 * second look like Go's: its name in the debug=1 header and as the pprof sample type.
 */
final class Profiles {
    static final String GOROUTINE = "goroutine";
    static final String GOROUTINE_LEAK = "goroutineleak";

    private Profiles() {
    }

    /**
     * The live tasks, without the process metadata a capture carries (pid, command, runtime version): the endpoint
     * shows names, states and stacks only.
     */
    static Snapshot goroutines() {
        return withoutProcess(TaskSnapshots.capture());
    }

    private static Snapshot withoutProcess(Snapshot s) {
        Snapshot.Metadata m = s.metadata();
        return new Snapshot(new Snapshot.Metadata(m.format(), m.source(), null, null, null, m.time(), m.preamble()),
                s.entries(), s.deadlocks());
    }

    /**
     * The tasks proven leaked that the registry still keeps ({@link TaskRegistry#reclaimed()}), one entry each, in
     * id order. Their threads are gone, so there is no stack: the single frame is the blocking site where it was
     * recorded, else none. {@code leakedStatus} appends Go's {@code (leaked)} to the wait reason, for debug=2.
     */
    static Snapshot leaked(List<TaskInfo> reclaimed, boolean leakedStatus) {
        List<TaskInfo> sorted = new ArrayList<>(reclaimed);
        sorted.sort(Comparator.comparingLong(TaskInfo::id));
        Map<TaskInfo.Owner, Owner> owners = new IdentityHashMap<>();
        List<Entry> entries = new ArrayList<>(sorted.size());
        for (TaskInfo t : sorted) {
            String reason = t.waitReason();
            String shown = leakedStatus ? (reason == null ? "leaked" : reason + " (leaked)") : reason;
            Entry.Builder b = Entry.builder(Entry.Kind.TETHER_TASK).id(t.id()).state(Entry.State.WAITING)
                    .waitReason(shown).status(shown != null ? shown : "unreachable");
            t.name().ifPresent(b::name);
            t.waited().ifPresent(b::waited);
            t.blockingSite().ifPresent(s -> b.addFrame(Frame.of(s)));
            t.creationSite().ifPresent(s -> b.createdBy(Frame.of(s)));
            TaskInfo.Owner o = t.owner().orElse(null);
            if (o != null) {
                b.owner(owner(o, owners));
                if (o.kind() == TaskInfo.Owner.Kind.TASK) b.creatorId(o.id());
            }
            entries.add(b.build());
        }
        Snapshot.Metadata m = new Snapshot.Metadata(Format.TETHER_REGISTRY, "Tether tasks proven leaked", null, null,
                null, Instant.now(), List.of());
        return new Snapshot(m, entries, List.of());
    }

    /** The owner chain as {@link TaskSnapshots} writes it: kind in lower case, id, name, site, parent. */
    private static Owner owner(TaskInfo.Owner o, Map<TaskInfo.Owner, Owner> done) {
        Owner known = done.get(o);
        if (known != null) return known;
        Owner parent = o.parent() == null ? null : owner(o.parent(), done);
        Owner made = new Owner(o.kind().name().toLowerCase(Locale.ROOT), o.id(), o.name(),
                o.site() == null ? null : Frame.of(o.site()), parent);
        done.put(o, made);
        return made;
    }

    /**
     * Writes {@code leaked} as Go's goroutineleak debug=1 text: tether-profile's debug=1 writer, whose header names the
     * goroutine profile, with the header renamed ({@code goroutineleak profile: total N}). Small: the registry keeps
     * at most a few thousand proven leaks, of one frame each.
     */
    static void writeLeakDebug1(Snapshot leaked, OutputStream out) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        Snapshots.write(leaked, Format.GO_DEBUG1, text);
        byte[] b = text.toByteArray();
        byte[] from = (GOROUTINE + " profile:").getBytes(StandardCharsets.US_ASCII);
        if (!startsWith(b, from)) throw new IllegalStateException("unexpected debug=1 header");
        out.write((GOROUTINE_LEAK + " profile:").getBytes(StandardCharsets.US_ASCII));
        out.write(b, from.length, b.length - from.length);
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (b[i] != prefix[i]) return false;
        return true;
    }

    /**
     * Writes {@code leaked} as a goroutineleak pprof profile: tether-profile's goroutine profile, with sample type and
     * period type {@code goroutineleak/count} as Go 1.26 writes them, so that pprof tools tell the two apart.
     */
    static void writeLeakPprof(Snapshot leaked, OutputStream out) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        Snapshots.write(leaked, Format.GO_PPROF, gz);
        ProfileProto.Profile p;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.toByteArray()))) {
            p = ProfileProto.Profile.parseFrom(in);
        }
        int name = p.getStringTableCount();
        ProfileProto.Profile.Builder b = p.toBuilder().addStringTable(GOROUTINE_LEAK);
        for (ProfileProto.ValueType.Builder t : b.getSampleTypeBuilderList()) t.setType(name);
        b.getPeriodTypeBuilder().setType(name);
        GzipOut z = new GzipOut(out);
        try {
            b.build().writeTo(z);
            z.finish();
        } finally {
            z.end();
        }
        out.flush();
    }

    /** gzip at Go's level ({@code gzip.BestSpeed}), finished without closing the target. */
    private static final class GzipOut extends GZIPOutputStream {
        GzipOut(OutputStream out) throws IOException {
            super(out, 1 << 14);
            def.setLevel(Deflater.BEST_SPEED);
        }

        void end() {
            def.end();
        }
    }
}
