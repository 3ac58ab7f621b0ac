package dev.tether.profile;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.tether.profile.proto.ProfileProto;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a {@link Snapshot} as a goroutine profile in pprof's {@code profile.proto}, gzip-compressed, the way Go's
 * {@code runtime/pprof} writes one: sample type and period type {@code goroutine/count}, period 1, one sample per
 * distinct stack and label set whose single value is the number of goroutines (or tasks, or threads) in it,
 * {@code string_table[0] = ""}, ids from 1, locations and functions written once. Besides the entries' own labels, a
 * sample carries {@value #STATE}, {@value #WAIT_REASON} and {@value #OWNER} labels for entries that have them, so
 * that {@code go tool pprof -traces} and {@code -tagfocus} see what each group waits for.
 *
 * <p>JVM frames become functions named {@code package.Class.method} in files {@code package/path/File.java}
 * (the layout of a source tree, so that {@code pprof -list} can find sources); Go frames are written as read. Lines
 * below 1 (unknown, native) are written as 0. Consecutive inlined frames and the frame they were inlined into are one
 * location of several lines, innermost first, as Go writes them.
 *
 * <p>Implementation notes. Two passes. The first interns strings, functions and locations and groups the entries
 * into samples; a sample's key (its location ids, then its label string ids) is kept in one {@code int[]} arena with
 * an open-addressing table over it, so a million distinct entries cost a few dozen bytes each and no object each.
 * The second pass streams the messages through a {@link CodedOutputStream} into the gzip stream: the small header
 * fields and the mapping, samples, locations, functions, then the string table. Nothing holds the whole serialized
 * profile. The one-off messages are built with the classes generated from {@code profile.proto}; samples, locations
 * and functions, of which there can be a million, are encoded by hand (with the generated field numbers), because a
 * builder and a message per sample cost about 600 bytes and a microsecond and a half each. The tests parse what this
 * writes with the generated classes and with {@code go tool pprof}.
 */
final class PprofWriter {

    /** The comment that marks a profile as written here; {@link PprofReader} reads the labels below back. */
    static final String MARKER = "tether-profile:";
    /** In the marker comment: the kind every entry has, e.g. {@code kind=TETHER_TASK}. */
    static final String KIND = "kind=";
    /** Label: the entry's {@link Entry#state()}, lower case ({@code waiting}, {@code runnable}, ...). */
    static final String STATE = "state";
    /** Label: the entry's {@link Entry#waitReason()}. */
    static final String WAIT_REASON = "wait_reason";
    /** Label: the entry's {@link Entry#owner()} chain, e.g. {@code scope 3 "workers" <- task 1}. */
    static final String OWNER = "owner";

    private static final String GOROUTINE = "goroutine";
    private static final String COUNT = "count";

    private final Snapshot snapshot;

    private final Ids<String> stringIds = new Ids<>();
    private final ArrayList<String> strings = new ArrayList<>();

    /** Function id - 1 → (name, file) string ids at [2i, 2i+1]. */
    private final Ints functionDefs = new Ints(256);
    /** (name, file) string ids → function id. */
    private final Ids<Long> functionIds = new Ids<>();

    /** Location id - 1 → offset in {@link #locationLines}: [n, function id, line, function id, line, ...]. */
    private final Ints locationStarts = new Ints(256);
    private final Ints locationLines = new Ints(1024);
    /** Per Frame (or List of Frames for an inlined chain): location id; JVM and Go frames apart (file paths differ). */
    private final Ids<Object> goLocations = new Ids<>();
    private final Ids<Object> jvmLocations = new Ids<>();

    /** The samples: each key at arena[offset] = [hash, length, key ints...]; its count in {@link #counts}. */
    private final Ints arena = new Ints(4096);
    private final Ints sampleOffsets = new Ints(256);
    private long[] counts = new long[256];
    private int[] table = new int[1024];

    private final Ints scratch = new Ints(64);
    private final ArrayList<Frame> chain = new ArrayList<>();
    private final HashMap<Owner, String> ownerLabels = new HashMap<>();
    private Owner lastOwner;
    private String lastOwnerLabel;

    private PprofWriter(Snapshot snapshot) {
        this.snapshot = snapshot;
        string("");
    }

    /** Writes {@code snapshot} to {@code out} as a gzipped profile.proto; finishes the gzip stream, does not close {@code out}. */
    static void write(Snapshot snapshot, OutputStream out) throws IOException {
        new PprofWriter(snapshot).write(out);
    }

    private void write(OutputStream out) throws IOException {
        int goroutine = string(GOROUTINE);
        int count = string(COUNT);
        Entry.Kind kind = null;
        boolean mixed = false;
        for (Entry e : snapshot.entries()) {
            add(e);
            if (kind == null) kind = e.kind();
            else mixed |= kind != e.kind();
        }
        List<Integer> comments = new ArrayList<>();
        comments.add(string(MARKER + (kind == null || mixed ? "" : " " + KIND + kind.name())));
        for (String line : snapshot.metadata().preamble()) comments.add(string(line));
        String processName = snapshot.metadata().processName();
        int mappingFile = string(processName == null ? "" : processName);

        Gzip gz = new Gzip(out);
        try {
            write(gz, goroutine, count, comments, mappingFile);
            gz.finish();
            gz.flush();
        } finally {
            gz.end();
        }
    }

    private void write(Gzip gz, int goroutine, int count, List<Integer> comments, int mappingFile) throws IOException {
        CodedOutputStream o = CodedOutputStream.newInstance(gz, 1 << 16);
        ProfileProto.ValueType goroutineCount = ProfileProto.ValueType.newBuilder().setType(goroutine).setUnit(count)
                .build();
        // The small fields first, as Go does, so that a reader sniffing the first few KiB sees a protobuf.
        o.writeMessage(ProfileProto.Profile.SAMPLE_TYPE_FIELD_NUMBER, goroutineCount);
        o.writeMessage(ProfileProto.Profile.PERIOD_TYPE_FIELD_NUMBER, goroutineCount);
        o.writeInt64(ProfileProto.Profile.PERIOD_FIELD_NUMBER, 1);
        Instant time = snapshot.metadata().time();
        if (time != null) {
            long nanos = time.getEpochSecond() * 1_000_000_000L + time.getNano();
            o.writeInt64(ProfileProto.Profile.TIME_NANOS_FIELD_NUMBER, nanos);
        }
        for (int c : comments) o.writeInt64(ProfileProto.Profile.COMMENT_FIELD_NUMBER, c);
        o.writeMessage(ProfileProto.Profile.MAPPING_FIELD_NUMBER, ProfileProto.Mapping.newBuilder().setId(1)
                .setFilename(mappingFile).setHasFunctions(true).setHasFilenames(true).setHasLineNumbers(true)
                .setHasInlineFrames(true).build());
        writeSamples(o);
        writeLocationsAndFunctions(o);
        // Last, as Go does: every string is known by now. Java strings with unpaired surrogates are written with
        // '?' in their place (CodedOutputStream's fallback), so the table is always valid UTF-8.
        for (String s : strings) o.writeString(ProfileProto.Profile.STRING_TABLE_FIELD_NUMBER, s);
        o.flush();
    }

    /** gzip at Go's level ({@code gzip.BestSpeed}), whose deflater can be freed without closing the target. */
    private static final class Gzip extends GZIPOutputStream {
        Gzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_SPEED);
        }

        void end() {
            def.end();
        }
    }

    /**
     * Samples: {@code location_id} and {@code value} packed, then the labels; encoded by hand (see the class notes),
     * with the field numbers of the generated classes and proto3's rule that fields holding 0 are left out.
     */
    private void writeSamples(CodedOutputStream o) throws IOException {
        int[] a = arena.a;
        for (int i = 0; i < sampleOffsets.size; i++) {
            int at = sampleOffsets.a[i] + 2;
            int locs = a[at];
            int locBytes = 0;
            for (int k = 1; k <= locs; k++) locBytes += CodedOutputStream.computeUInt64SizeNoTag(a[at + k]);
            long count = counts[i];
            int valueBytes = CodedOutputStream.computeInt64SizeNoTag(count);
            int labelsAt = at + 1 + locs;
            int labels = a[labelsAt];
            int size = packedSize(locs, locBytes) + 1 + CodedOutputStream.computeUInt32SizeNoTag(valueBytes) + valueBytes;
            for (int k = 0; k < labels; k++) {
                int label = labelSize(a[labelsAt + 1 + 2 * k], a[labelsAt + 2 + 2 * k]);
                size += 1 + CodedOutputStream.computeUInt32SizeNoTag(label) + label;
            }
            o.writeTag(ProfileProto.Profile.SAMPLE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(size);
            if (locs > 0) {
                o.writeTag(ProfileProto.Sample.LOCATION_ID_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                o.writeUInt32NoTag(locBytes);
                for (int k = 1; k <= locs; k++) o.writeUInt64NoTag(a[at + k]);
            }
            o.writeTag(ProfileProto.Sample.VALUE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(valueBytes);
            o.writeInt64NoTag(count);
            for (int k = 0; k < labels; k++) {
                int key = a[labelsAt + 1 + 2 * k];
                int str = a[labelsAt + 2 + 2 * k];
                o.writeTag(ProfileProto.Sample.LABEL_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                o.writeUInt32NoTag(labelSize(key, str));
                if (key != 0) o.writeInt64(ProfileProto.Label.KEY_FIELD_NUMBER, key);
                if (str != 0) o.writeInt64(ProfileProto.Label.STR_FIELD_NUMBER, str);
            }
        }
    }

    /** The size of a packed repeated field of {@code n} values taking {@code bytes}, with its tag; 0 if empty. */
    private static int packedSize(int n, int bytes) {
        return n == 0 ? 0 : 1 + CodedOutputStream.computeUInt32SizeNoTag(bytes) + bytes;
    }

    private static int labelSize(int key, int str) {
        return (key == 0 ? 0 : CodedOutputStream.computeInt64Size(ProfileProto.Label.KEY_FIELD_NUMBER, key))
                + (str == 0 ? 0 : CodedOutputStream.computeInt64Size(ProfileProto.Label.STR_FIELD_NUMBER, str));
    }

    /** Locations (id, mapping 1, lines) and functions (id, name, system name = name, file), encoded by hand. */
    private void writeLocationsAndFunctions(CodedOutputStream o) throws IOException {
        int[] lines = locationLines.a;
        for (int i = 0; i < locationStarts.size; i++) {
            int at = locationStarts.a[i];
            int n = lines[at];
            int id = i + 1;
            int size = CodedOutputStream.computeUInt64Size(ProfileProto.Location.ID_FIELD_NUMBER, id)
                    + CodedOutputStream.computeUInt64Size(ProfileProto.Location.MAPPING_ID_FIELD_NUMBER, 1);
            for (int k = 0; k < n; k++) {
                int line = lineSize(lines[at + 1 + 2 * k], lines[at + 2 + 2 * k]);
                size += 1 + CodedOutputStream.computeUInt32SizeNoTag(line) + line;
            }
            o.writeTag(ProfileProto.Profile.LOCATION_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(size);
            o.writeUInt64(ProfileProto.Location.ID_FIELD_NUMBER, id);
            o.writeUInt64(ProfileProto.Location.MAPPING_ID_FIELD_NUMBER, 1);
            for (int k = 0; k < n; k++) {
                int function = lines[at + 1 + 2 * k];
                int line = lines[at + 2 + 2 * k];
                o.writeTag(ProfileProto.Location.LINE_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                o.writeUInt32NoTag(lineSize(function, line));
                o.writeUInt64(ProfileProto.Line.FUNCTION_ID_FIELD_NUMBER, function);
                if (line != 0) o.writeInt64(ProfileProto.Line.LINE_FIELD_NUMBER, line);
            }
        }
        int[] f = functionDefs.a;
        for (int i = 0, n = functionDefs.size / 2; i < n; i++) {
            int id = i + 1;
            int name = f[2 * i];
            int file = f[2 * i + 1];
            int size = CodedOutputStream.computeUInt64Size(ProfileProto.Function.ID_FIELD_NUMBER, id)
                    + (name == 0 ? 0 : 2 * CodedOutputStream.computeInt64Size(ProfileProto.Function.NAME_FIELD_NUMBER, name))
                    + (file == 0 ? 0 : CodedOutputStream.computeInt64Size(ProfileProto.Function.FILENAME_FIELD_NUMBER, file));
            o.writeTag(ProfileProto.Profile.FUNCTION_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(size);
            o.writeUInt64(ProfileProto.Function.ID_FIELD_NUMBER, id);
            if (name != 0) {
                o.writeInt64(ProfileProto.Function.NAME_FIELD_NUMBER, name);
                o.writeInt64(ProfileProto.Function.SYSTEM_NAME_FIELD_NUMBER, name);
            }
            if (file != 0) o.writeInt64(ProfileProto.Function.FILENAME_FIELD_NUMBER, file);
        }
    }

    private static int lineSize(int function, int line) {
        return CodedOutputStream.computeUInt64Size(ProfileProto.Line.FUNCTION_ID_FIELD_NUMBER, function)
                + (line == 0 ? 0 : CodedOutputStream.computeInt64Size(ProfileProto.Line.LINE_FIELD_NUMBER, line));
    }

    // ---- pass 1: interning and grouping ------------------------------------------------------------------------

    private void add(Entry e) {
        boolean jvm = e.kind() != Entry.Kind.GOROUTINE;
        Ints k = scratch;
        k.size = 0;
        k.add(0); // the number of locations, set below
        List<Frame> stack = e.stack();
        chain.clear();
        int locs = 0;
        for (Frame f : stack) {
            if (f.inlined()) {
                chain.add(f);
                continue;
            }
            k.add(location(f, jvm));
            locs++;
        }
        if (!chain.isEmpty()) { // inlined frames with no caller below them (a truncated stack)
            k.add(location(null, jvm));
            locs++;
        }
        k.a[0] = locs;
        int labelsAt = k.size;
        k.add(0);
        Map<String, String> own = e.labels();
        String state = e.state() == Entry.State.UNKNOWN || own.containsKey(STATE) ? null : stateLabel(e.state());
        String reason = own.containsKey(WAIT_REASON) ? null : e.waitReason().orElse(null);
        String owner = own.containsKey(OWNER) ? null : cachedOwnerLabel(e.owner().orElse(null));
        // Sorted by key: the entry's labels are; the three added ones go in their place.
        boolean ownerDone = owner == null, stateDone = state == null, reasonDone = reason == null;
        int pairs = 0;
        for (Map.Entry<String, String> l : own.entrySet()) {
            String key = l.getKey();
            if (!ownerDone && OWNER.compareTo(key) < 0) {
                label(OWNER, owner);
                pairs++;
                ownerDone = true;
            }
            if (!stateDone && STATE.compareTo(key) < 0) {
                label(STATE, state);
                pairs++;
                stateDone = true;
            }
            if (!reasonDone && WAIT_REASON.compareTo(key) < 0) {
                label(WAIT_REASON, reason);
                pairs++;
                reasonDone = true;
            }
            label(key, l.getValue());
            pairs++;
        }
        if (!ownerDone) {
            label(OWNER, owner);
            pairs++;
        }
        if (!stateDone) {
            label(STATE, state);
            pairs++;
        }
        if (!reasonDone) {
            label(WAIT_REASON, reason);
            pairs++;
        }
        k.a[labelsAt] = pairs;
        count(e.count());
    }

    /** The owner label of {@code o} (null for none), made once per distinct owner. */
    private String cachedOwnerLabel(Owner o) {
        if (o == null) return null;
        if (o != lastOwner) { // entries of one scope share its Owner: skip hashing the chain
            lastOwnerLabel = ownerLabels.computeIfAbsent(o, PprofWriter::ownerLabel);
            lastOwner = o;
        }
        return lastOwnerLabel;
    }

    private void label(String key, String value) {
        scratch.add(string(key));
        scratch.add(string(value));
    }

    /**
     * The location of {@code f} with the inlined frames collected in {@link #chain} before it (cleared); for
     * {@code f == null}, of the chain alone.
     */
    private int location(Frame f, boolean jvm) {
        Ids<Object> ids = jvm ? jvmLocations : goLocations;
        Object key;
        if (chain.isEmpty()) {
            key = f;
        } else {
            List<Frame> frames = new ArrayList<>(chain.size() + 1);
            frames.addAll(chain);
            if (f != null) frames.add(f);
            key = List.copyOf(frames);
        }
        int id = ids.get(key);
        if (id == 0) {
            id = locationStarts.size + 1;
            locationStarts.add(locationLines.size);
            if (chain.isEmpty()) {
                locationLines.add(1);
                line(f, jvm);
            } else {
                @SuppressWarnings("unchecked") List<Frame> frames = (List<Frame>) key;
                locationLines.add(frames.size());
                for (Frame x : frames) line(x, jvm);
            }
            ids.put(key, id);
        }
        chain.clear();
        return id;
    }

    private void line(Frame f, boolean jvm) {
        String file = f.file() == null ? "" : jvm ? sourcePath(f) : f.file();
        int name = string(f.function());
        int path = string(file);
        Long fk = ((long) name << 32) | path;
        int id = functionIds.get(fk);
        if (id == 0) {
            id = functionDefs.size / 2 + 1;
            functionDefs.add(name);
            functionDefs.add(path);
            functionIds.put(fk, id);
        }
        locationLines.add(id);
        locationLines.add(Math.max(0, f.line()));
    }

    /** {@code Channel.java} of {@code dev.tether.Channel.send} → {@code dev/tether/Channel.java}; a path stays. */
    static String sourcePath(Frame f) {
        String file = f.file();
        if (file.indexOf('/') >= 0) return file;
        String cls = f.className();
        int dot = cls.lastIndexOf('.');
        return dot <= 0 ? file : cls.substring(0, dot).replace('.', '/') + '/' + file;
    }

    /** The index of {@code s} in the string table (0 for ""). */
    private int string(String s) {
        int id = stringIds.get(s) - 1;
        if (id < 0) {
            id = strings.size();
            strings.add(s);
            stringIds.put(s, id + 1);
        }
        return id;
    }

    /** Adds {@code n} to the sample whose key is in {@link #scratch}, creating it if new. */
    private void count(int n) {
        int[] k = scratch.a;
        int len = scratch.size;
        int h = 1;
        for (int i = 0; i < len; i++) h = 31 * h + k[i];
        h *= 0x9E3779B9;
        h ^= h >>> 16;
        int mask = table.length - 1;
        int[] a = arena.a;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            int slot = table[i];
            if (slot == 0) break;
            int at = sampleOffsets.a[slot - 1];
            if (a[at] == h && a[at + 1] == len && Arrays.equals(a, at + 2, at + 2 + len, k, 0, len)) {
                counts[slot - 1] += n;
                return;
            }
        }
        int index = sampleOffsets.size;
        sampleOffsets.add(arena.size);
        arena.add(h);
        arena.add(len);
        for (int i = 0; i < len; i++) arena.add(k[i]);
        if (index == counts.length) counts = Arrays.copyOf(counts, index * 2);
        counts[index] = n;
        if ((index + 1) * 2 > table.length) {
            rehash();
        } else {
            insert(table, h, index + 1);
        }
    }

    private void rehash() {
        int[] t = new int[table.length * 2];
        for (int i = 0; i < sampleOffsets.size; i++) insert(t, arena.a[sampleOffsets.a[i]], i + 1);
        table = t;
    }

    private static void insert(int[] t, int h, int slot) {
        int mask = t.length - 1;
        int i = h & mask;
        while (t[i] != 0) i = (i + 1) & mask;
        t[i] = slot;
    }

    // ---- labels --------------------------------------------------------------------------------------------------

    private static final String[] STATE_LABELS = new String[Entry.State.values().length];

    static {
        for (Entry.State s : Entry.State.values()) STATE_LABELS[s.ordinal()] = s.name().toLowerCase(Locale.ROOT);
    }

    /** The {@value #STATE} label of a state: its name in lower case. */
    static String stateLabel(Entry.State s) {
        return STATE_LABELS[s.ordinal()];
    }

    /** {@code scope 3 "workers" <- task 1}: each owner's kind, id and quoted name, innermost first. */
    static String ownerLabel(Owner o) {
        StringBuilder sb = new StringBuilder();
        for (Owner x = o; x != null; x = x.parent()) {
            if (!sb.isEmpty()) sb.append(" <- ");
            sb.append(x.kind());
            if (x.id() != null) sb.append(' ').append(x.id());
            if (x.name() != null) {
                sb.append(" \"");
                for (int i = 0; i < x.name().length(); i++) {
                    char c = x.name().charAt(i);
                    if (c == '"' || c == '\\') sb.append('\\');
                    sb.append(c);
                }
                sb.append('"');
            }
        }
        return sb.toString();
    }

    /** The owner chain of an {@link #ownerLabel} (without sites), or null if {@code s} is not one. */
    static Owner parseOwner(String s) {
        List<String[]> links = new ArrayList<>(); // kind, id, name
        int i = 0;
        int n = s.length();
        while (true) {
            int quote = s.indexOf('"', i);
            int arrow = s.indexOf(" <- ", i);
            int end = arrow < 0 ? n : arrow;
            String name = null;
            if (quote >= 0 && quote < end) {
                StringBuilder sb = new StringBuilder();
                int j = quote + 1;
                for (; j < n && s.charAt(j) != '"'; j++) {
                    char c = s.charAt(j);
                    if (c == '\\' && j + 1 < n) c = s.charAt(++j);
                    sb.append(c);
                }
                if (j >= n) return null;
                name = sb.toString();
                arrow = s.indexOf(" <- ", j);
                end = arrow < 0 ? n : arrow;
                if (j + 1 != end) return null;
                end = quote - 1;
                if (end < i || s.charAt(end) != ' ') return null;
            }
            String head = s.substring(i, end);
            int space = head.lastIndexOf(' ');
            String id = null;
            String kind = head;
            if (space > 0 && isDigits(head, space + 1)) {
                id = head.substring(space + 1);
                kind = head.substring(0, space);
            }
            if (kind.isEmpty()) return null;
            links.add(new String[] {kind, id, name});
            if (arrow < 0) break;
            i = arrow + 4;
        }
        Owner o = null;
        for (int k = links.size() - 1; k >= 0; k--) {
            String[] l = links.get(k);
            o = new Owner(l[0], l[1] == null ? null : Long.valueOf(l[1]), l[2], null, o);
        }
        return o;
    }

    private static boolean isDigits(String s, int from) {
        if (from >= s.length() || s.length() - from > 18) return false;
        for (int i = from; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    /**
     * Positive ints by key, with open addressing and linear probing: no node or boxed value per key, which matters
     * at a million distinct frames. {@link #get} returns 0 for a missing key.
     */
    private static final class Ids<K> {
        private Object[] keys = new Object[1024];
        private int[] hashes = new int[1024];
        private int[] values = new int[1024];
        private int size;

        int get(K key) {
            int h = mix(key.hashCode());
            int mask = keys.length - 1;
            for (int i = h & mask; ; i = (i + 1) & mask) {
                Object k = keys[i];
                if (k == null) return 0;
                if (hashes[i] == h && (k == key || k.equals(key))) return values[i];
            }
        }

        /** Adds a key that {@link #get} did not find. */
        void put(K key, int value) {
            if (2 * (size + 1) > keys.length) grow();
            insert(key, mix(key.hashCode()), value);
            size++;
        }

        private void insert(Object key, int h, int value) {
            int mask = keys.length - 1;
            int i = h & mask;
            while (keys[i] != null) i = (i + 1) & mask;
            keys[i] = key;
            hashes[i] = h;
            values[i] = value;
        }

        private void grow() {
            Object[] ok = keys;
            int[] oh = hashes;
            int[] ov = values;
            keys = new Object[ok.length * 2];
            hashes = new int[ok.length * 2];
            values = new int[ok.length * 2];
            for (int i = 0; i < ok.length; i++) if (ok[i] != null) insert(ok[i], oh[i], ov[i]);
        }

        private static int mix(int h) {
            h *= 0x9E3779B9;
            return h ^ (h >>> 16);
        }
    }

    /** A growable {@code int[]}. */
    private static final class Ints {
        int[] a;
        int size;

        Ints(int capacity) {
            a = new int[capacity];
        }

        void add(int v) {
            if (size == a.length) a = Arrays.copyOf(a, size * 2);
            a[size++] = v;
        }
    }
}
