package dev.tether.profile;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.tether.profile.proto.ProfileProto;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a goroutine profile in pprof's {@code profile.proto} ({@link Format#GO_PPROF}): Go's {@code ?debug=0}, or
 * what {@link PprofWriter} wrote. One entry per sample, with the sample's count, its string labels, and its stack
 * from the locations' lines (an inlined call chain is several lines of one location: the callees come first and are
 * {@linkplain Frame#inlined() inlined}, the function they were inlined into last).
 *
 * <p>Implementation notes. The top-level message is read field by field with a {@link CodedInputStream}, so that an
 * error can name the byte offset of the field it is in; each field's value is parsed with the classes generated from
 * {@code profile.proto}. Go writes the samples before the locations and functions they refer to, so samples are kept
 * (as parsed messages) until the end and resolved then. References are checked: a sample naming a location that does
 * not exist, a line naming a missing function, a string index outside the string table are errors at the byte offset
 * of the message that holds them. The decompressed profile may be at most {@link #MAX_BYTES}.
 *
 * <p>A profile {@link PprofWriter} wrote carries the comment {@value PprofWriter#MARKER}: its labels
 * {@value PprofWriter#STATE}, {@value PprofWriter#WAIT_REASON} and {@value PprofWriter#OWNER} are read back into the
 * entry's fields instead of its labels, and its entries get the kind the comment names.
 */
final class PprofReader {

    /** The largest (decompressed) profile read: a goroutine profile of a million distinct stacks is far smaller. */
    static final int MAX_BYTES = 1 << 30;
    private static final ExtensionRegistryLite NO_EXTENSIONS = ExtensionRegistryLite.getEmptyRegistry();

    private final InputStream in;
    private final String source;
    private final boolean gzipped;

    private final List<String> strings = new ArrayList<>();
    private final List<ProfileProto.ValueType> sampleTypes = new ArrayList<>();
    private final List<Long> sampleTypeOffsets = new ArrayList<>();
    private long firstStringOffset = -1;
    private final List<ProfileProto.Sample> samples = new ArrayList<>();
    private long[] sampleOffsets = new long[64];
    private final Map<Long, ProfileProto.Location> locations = new HashMap<>();
    private final Map<Long, Long> locationOffsets = new HashMap<>();
    private final Map<Long, ProfileProto.Function> functions = new HashMap<>();
    private final Map<Long, Long> functionOffsets = new HashMap<>();
    private final List<Long> comments = new ArrayList<>();
    private final List<Long> commentOffsets = new ArrayList<>();
    private long firstMappingFile = -1;
    private long firstMappingOffset;
    private long timeNanos;

    PprofReader(InputStream in, String source, boolean gzipped) {
        this.in = in;
        this.source = source;
        this.gzipped = gzipped;
    }

    Snapshot read() throws IOException {
        CodedInputStream cis = CodedInputStream.newInstance(in, 1 << 16);
        cis.setSizeLimit(MAX_BYTES);
        long at = 0;
        try {
            while (true) {
                at = cis.getTotalBytesRead();
                int tag = cis.readTag();
                if (tag == 0) break;
                field(cis, tag, at);
            }
        } catch (InvalidProtocolBufferException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("size limit")) m = "larger than " + (MAX_BYTES >> 20) + " MiB: " + m;
            throw error(at, "malformed protobuf: " + m, e);
        }
        long end = cis.getTotalBytesRead();
        if (strings.isEmpty() && (!samples.isEmpty() || end == 0)) throw error(end, "no string table");
        if (!strings.isEmpty() && !strings.getFirst().isEmpty()) {
            throw error(firstStringOffset, "string_table[0] must be \"\", is \"" + shorten(strings.getFirst()) + "\"");
        }
        return new Resolver().snapshot();
    }

    private void field(CodedInputStream cis, int tag, long at) throws IOException {
        int number = WireFormat.getTagFieldNumber(tag);
        int wire = WireFormat.getTagWireType(tag);
        boolean delimited = wire == WireFormat.WIRETYPE_LENGTH_DELIMITED;
        switch (number) {
            case ProfileProto.Profile.SAMPLE_TYPE_FIELD_NUMBER -> {
                expectDelimited(delimited, "sample_type", at);
                sampleTypes.add(cis.readMessage(ProfileProto.ValueType.parser(), NO_EXTENSIONS));
                sampleTypeOffsets.add(at);
            }
            case ProfileProto.Profile.SAMPLE_FIELD_NUMBER -> {
                expectDelimited(delimited, "sample", at);
                if (samples.size() == sampleOffsets.length) sampleOffsets = Arrays.copyOf(sampleOffsets, samples.size() * 2);
                sampleOffsets[samples.size()] = at;
                samples.add(cis.readMessage(ProfileProto.Sample.parser(), NO_EXTENSIONS));
            }
            case ProfileProto.Profile.MAPPING_FIELD_NUMBER -> {
                expectDelimited(delimited, "mapping", at);
                ProfileProto.Mapping m = cis.readMessage(ProfileProto.Mapping.parser(), NO_EXTENSIONS);
                if (firstMappingFile < 0) {
                    firstMappingFile = m.getFilename();
                    firstMappingOffset = at;
                }
            }
            case ProfileProto.Profile.LOCATION_FIELD_NUMBER -> {
                expectDelimited(delimited, "location", at);
                ProfileProto.Location l = cis.readMessage(ProfileProto.Location.parser(), NO_EXTENSIONS);
                if (l.getId() == 0) throw error(at, "location with id 0");
                if (locations.put(l.getId(), l) != null) throw error(at, "two locations with id " + l.getId());
                locationOffsets.put(l.getId(), at);
            }
            case ProfileProto.Profile.FUNCTION_FIELD_NUMBER -> {
                expectDelimited(delimited, "function", at);
                ProfileProto.Function f = cis.readMessage(ProfileProto.Function.parser(), NO_EXTENSIONS);
                if (f.getId() == 0) throw error(at, "function with id 0");
                if (functions.put(f.getId(), f) != null) throw error(at, "two functions with id " + f.getId());
                functionOffsets.put(f.getId(), at);
            }
            case ProfileProto.Profile.STRING_TABLE_FIELD_NUMBER -> {
                expectDelimited(delimited, "string_table", at);
                if (strings.isEmpty()) firstStringOffset = at;
                strings.add(cis.readString());
            }
            case ProfileProto.Profile.TIME_NANOS_FIELD_NUMBER -> {
                expectVarint(wire, "time_nanos", at);
                timeNanos = cis.readInt64();
            }
            case ProfileProto.Profile.COMMENT_FIELD_NUMBER -> {
                if (delimited) { // packed
                    int limit = cis.pushLimit(cis.readRawVarint32());
                    while (cis.getBytesUntilLimit() > 0) {
                        comments.add(cis.readInt64());
                        commentOffsets.add(at);
                    }
                    cis.popLimit(limit);
                } else {
                    expectVarint(wire, "comment", at);
                    comments.add(cis.readInt64());
                    commentOffsets.add(at);
                }
            }
            default -> { // period, period_type, duration, drop/keep frames, default sample type, unknown fields
                if (!cis.skipField(tag)) throw error(at, "unexpected end-group tag");
            }
        }
    }

    private void expectDelimited(boolean delimited, String field, long at) throws SnapshotFormatException {
        if (!delimited) throw error(at, "field " + field + " is not length-delimited: not a profile.proto");
    }

    private void expectVarint(int wire, String field, long at) throws SnapshotFormatException {
        if (wire != WireFormat.WIRETYPE_VARINT) throw error(at, "field " + field + " is not a varint: not a profile.proto");
    }

    private SnapshotFormatException error(long at, String problem) {
        return error(at, problem, null);
    }

    private SnapshotFormatException error(long at, String problem, Throwable cause) {
        String where = gzipped && at >= 0 ? " (offset in the decompressed profile)" : "";
        return new SnapshotFormatException(source, Format.GO_PPROF, -1, at, problem + where, cause);
    }

    private static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** Turns the messages read into entries, checking every reference. */
    private final class Resolver {
        private final Map<Long, Frame[]> frames = new HashMap<>();
        private final Map<Long, Function> functionsById = new HashMap<>();
        private final Entry.Builder b = Entry.builder(Entry.Kind.GOROUTINE);
        private boolean tether;
        private Entry.Kind kind = Entry.Kind.GOROUTINE;
        private final List<String> preamble = new ArrayList<>();

        Snapshot snapshot() throws SnapshotFormatException {
            for (int i = 0; i < comments.size(); i++) {
                String text = string(comments.get(i), commentOffsets.get(i), "comment");
                if (text.startsWith(PprofWriter.MARKER)) {
                    tether = true;
                    int k = text.indexOf(PprofWriter.KIND);
                    if (k >= 0) {
                        String name = text.substring(k + PprofWriter.KIND.length()).strip();
                        for (Entry.Kind x : Entry.Kind.values()) if (x.name().equals(name)) kind = x;
                    }
                } else if (preamble.size() < 200) {
                    preamble.add(text.length() > 4096 ? text.substring(0, 4096) : text);
                }
            }
            int countIndex = countIndex();
            List<Entry> entries = new ArrayList<>(samples.size());
            for (int i = 0; i < samples.size(); i++) {
                Entry e = entry(samples.get(i), sampleOffsets[i], countIndex);
                if (e != null) entries.add(e);
            }
            String processName = null;
            if (firstMappingFile > 0) {
                String file = string(firstMappingFile, firstMappingOffset, "mapping filename");
                processName = file.substring(file.lastIndexOf('/') + 1);
                if (processName.isEmpty()) processName = null;
            }
            Instant time = timeNanos == 0 ? null : Instant.ofEpochSecond(0, timeNanos);
            return new Snapshot(new Snapshot.Metadata(Format.GO_PPROF, source, null, processName, null, time, preamble),
                    entries, List.of());
        }

        /** The index of the goroutine count among the sample values. */
        private int countIndex() throws SnapshotFormatException {
            if (sampleTypes.isEmpty()) {
                if (samples.isEmpty()) return 0;
                throw error(sampleOffsets[0], "samples but no sample_type");
            }
            int count = -1;
            StringBuilder types = new StringBuilder();
            for (int i = 0; i < sampleTypes.size(); i++) {
                String type = string(sampleTypes.get(i).getType(), sampleTypeOffsets.get(i), "sample_type");
                String unit = string(sampleTypes.get(i).getUnit(), sampleTypeOffsets.get(i), "sample_type unit");
                if (i > 0) types.append(", ");
                types.append(type).append('/').append(unit);
                if (unit.equals("count") && (count < 0 || type.equals("goroutine"))) count = i;
            }
            if (count < 0) {
                throw error(sampleTypeOffsets.getFirst(), "not a goroutine profile: no count among its sample types ("
                        + LineReader.cut(types.toString()) + ")");
            }
            return count;
        }

        private Entry entry(ProfileProto.Sample s, long at, int countIndex) throws SnapshotFormatException {
            if (s.getValueCount() != sampleTypes.size()) {
                throw error(at, "a sample has " + s.getValueCount() + " values for " + sampleTypes.size()
                        + " sample types");
            }
            long count = s.getValue(countIndex);
            if (count == 0) return null; // nothing: Go never writes one
            if (count < 0 || count > Integer.MAX_VALUE) throw error(at, "sample count " + count + " out of range");
            b.reset(kind).count((int) count);
            long[] pcs = new long[s.getLocationIdCount()];
            boolean anyPc = false;
            for (int i = 0; i < pcs.length; i++) {
                long id = s.getLocationId(i);
                Frame[] fs = frames(id, at);
                for (Frame f : fs) b.addFrame(f);
                pcs[i] = locations.get(id).getAddress();
                anyPc |= pcs[i] != 0;
            }
            if (anyPc) b.programCounters(pcs, pcs.length);
            for (ProfileProto.Label l : s.getLabelList()) {
                String key = string(l.getKey(), at, "label key");
                String value;
                if (l.getStr() != 0 || (l.getNum() == 0 && l.getNumUnit() == 0)) {
                    value = string(l.getStr(), at, "label value");
                } else { // a numeric label, kept as text
                    value = Long.toString(l.getNum());
                    if (l.getNumUnit() != 0) value += " " + string(l.getNumUnit(), at, "label unit");
                }
                if (tether && restored(key, value)) continue;
                b.label(key, value); // a key given twice keeps its last value
            }
            return b.build();
        }

        /** Reads one of PprofWriter's own labels back into its field; false for other labels. */
        private boolean restored(String key, String value) {
            switch (key) {
                case PprofWriter.STATE -> {
                    for (Entry.State st : Entry.State.values()) {
                        if (PprofWriter.stateLabel(st).equals(value)) {
                            b.state(st);
                            return true;
                        }
                    }
                    return false;
                }
                case PprofWriter.WAIT_REASON -> {
                    b.waitReason(value);
                    return true;
                }
                case PprofWriter.OWNER -> {
                    Owner o = PprofWriter.parseOwner(value);
                    if (o == null) return false;
                    b.owner(o);
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }

        /** The frames of location {@code id}, innermost first. */
        private Frame[] frames(long id, long sampleAt) throws SnapshotFormatException {
            Frame[] fs = frames.get(id);
            if (fs != null) return fs;
            ProfileProto.Location l = locations.get(id);
            if (l == null) throw error(sampleAt, "a sample refers to location " + id + ", which does not exist");
            long at = locationOffsets.get(id);
            int n = l.getLineCount();
            if (n == 0) {
                fs = new Frame[] {new Frame("0x" + Long.toHexString(l.getAddress()), null, Frame.UNKNOWN_LINE)};
            } else {
                fs = new Frame[n];
                for (int i = 0; i < n; i++) {
                    ProfileProto.Line line = l.getLine(i);
                    Function f = function(line.getFunctionId(), at);
                    long number = line.getLine();
                    if (number < 0 || number > Integer.MAX_VALUE) throw error(at, "line number " + number + " out of range");
                    fs[i] = new Frame(f.name(), f.file(), (int) number, i < n - 1);
                }
            }
            frames.put(id, fs);
            return fs;
        }

        /** A function's name and file. */
        private record Function(String name, String file) {
        }

        private Function function(long id, long locationAt) throws SnapshotFormatException {
            Function f = functionsById.get(id);
            if (f != null) return f;
            ProfileProto.Function fn = functions.get(id);
            if (fn == null) throw error(locationAt, "a location refers to function " + id + ", which does not exist");
            long at = functionOffsets.get(id);
            String name = string(fn.getName(), at, "function name");
            if (name.isEmpty()) name = string(fn.getSystemName(), at, "function system name");
            if (name.isEmpty()) name = "?";
            String file = string(fn.getFilename(), at, "function filename");
            f = new Function(name, file.isEmpty() ? null : file);
            functionsById.put(id, f);
            return f;
        }

        private String string(long index, long at, String what) throws SnapshotFormatException {
            if (index < 0 || index >= strings.size()) {
                throw error(at, what + " is string " + index + ", outside the string table of " + strings.size());
            }
            return strings.get((int) index);
        }
    }
}
