package dev.tether.profile;

import com.google.protobuf.ByteString;
import dev.tether.profile.proto.ProfileProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What Tether writes passes the checks Pyroscope applies before ingesting a pprof profile ({@code string_table[0]}
 * empty, non-zero ids, one value per sample type, no {@code -} in sample type names, valid UTF-8), and the
 * references {@code go tool pprof} checks (every id refers to something, every string index is in the table).
 */
class PyroscopeRulesTest {

    static List<Path> allDumps() {
        return WriterRoundTripTest.allDumps();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allDumps")
    void aProfileWrittenFromAnyDumpIsValid(Path file) {
        assertEquals(List.of(), violations(Written.bytes(Fixtures.read(file), Format.GO_PPROF)));
    }

    @Test
    void aProfileOfLiveTasksIsValid() {
        try (BlockedTasks tasks = new BlockedTasks(1)) {
            for (Snapshot s : List.of(TaskSnapshots.capture(), TaskSnapshots.capture(0))) {
                assertEquals(tasks.total, s.entries().stream().filter(tasks::owns).mapToInt(Entry::count).sum());
                assertEquals(List.of(), violations(Written.bytes(s, Format.GO_PPROF)));
            }
        }
    }

    @Test
    void brokenUtf16AndDashesInNamesStillMakeAValidProfile() {
        Entry e = Entry.builder(Entry.Kind.VIRTUAL_THREAD).count(3)
                .addFrame(new Frame("a.B.broken\uD800name", "B\uDC00.java", 7))
                .addFrame(new Frame("a-b.C.run", null, Frame.NATIVE_LINE))
                .label("tenant-id", "caf\u00e9 \uD83D\uDE00 \uDBFF").waitReason("queue-take").build();
        Snapshot s = new Snapshot(new Snapshot.Metadata(Format.JDK_JSON, "x", 1L, "my-app", null, null,
                List.of("line \uDFFF")), List.of(e), List.of());
        byte[] pb = Written.bytes(s, Format.GO_PPROF);
        assertEquals(List.of(), violations(pb));
        Snapshot back = Written.roundTrip(s, Format.GO_PPROF);
        assertEquals("caf\u00e9 \uD83D\uDE00 ?", back.entries().getFirst().labels().get("tenant-id"),
                "an unpaired surrogate becomes '?'; the rest is kept");
    }

    @Test
    void anEmptySnapshotIsAValidEmptyProfile() {
        Snapshot s = new Snapshot(new Snapshot.Metadata(Format.GO_DEBUG2, "x", null, null, null, null, List.of()),
                List.of(), List.of());
        byte[] pb = Written.bytes(s, Format.GO_PPROF);
        assertEquals(List.of(), violations(pb));
        assertEquals(0, Written.roundTrip(s, Format.GO_PPROF).entries().size());
    }

    /** The rules' violations in a gzipped profile; empty if it is valid. */
    static List<String> violations(byte[] gzipped) {
        ProfileProto.Profile p;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            p = ProfileProto.Profile.parseFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> v = new ArrayList<>();
        int strings = p.getStringTableCount();
        if (strings == 0 || !p.getStringTable(0).isEmpty()) v.add("string_table[0] is not \"\"");
        for (int i = 0; i < strings; i++) {
            ByteString b = p.getStringTableBytes(i);
            if (!b.isValidUtf8()) v.add("string " + i + " is not valid UTF-8");
        }
        if (p.getSampleTypeCount() != 1) v.add("sample types: " + p.getSampleTypeCount() + ", Go writes one");
        for (ProfileProto.ValueType t : p.getSampleTypeList()) {
            String type = str(p, t.getType(), "sample type", v);
            if (type.contains("-")) v.add("sample type name with '-': " + type);
            if (!type.equals("goroutine") || !str(p, t.getUnit(), "unit", v).equals("count")) {
                v.add("sample type " + type + ", not goroutine/count");
            }
        }
        if (p.getPeriod() != 1) v.add("period " + p.getPeriod());
        if (!str(p, p.getPeriodType().getType(), "period type", v).equals("goroutine")) v.add("period type");
        Set<Long> mappings = ids(p.getMappingList().stream().map(ProfileProto.Mapping::getId).toList(), "mapping", v);
        Set<Long> functions = ids(p.getFunctionList().stream().map(ProfileProto.Function::getId).toList(), "function", v);
        Set<Long> locations = ids(p.getLocationList().stream().map(ProfileProto.Location::getId).toList(), "location", v);
        for (ProfileProto.Mapping m : p.getMappingList()) str(p, m.getFilename(), "mapping file", v);
        for (ProfileProto.Function f : p.getFunctionList()) {
            if (str(p, f.getName(), "function name", v).isEmpty()) v.add("function " + f.getId() + " has no name");
            str(p, f.getSystemName(), "system name", v);
            str(p, f.getFilename(), "file name", v);
        }
        for (ProfileProto.Location l : p.getLocationList()) {
            if (l.getMappingId() != 0 && !mappings.contains(l.getMappingId())) v.add("location → missing mapping");
            if (l.getLineCount() == 0) v.add("location " + l.getId() + " has no line");
            for (ProfileProto.Line line : l.getLineList()) {
                if (!functions.contains(line.getFunctionId())) v.add("line → missing function " + line.getFunctionId());
                if (line.getLine() < 0) v.add("negative line");
            }
        }
        for (ProfileProto.Sample s : p.getSampleList()) {
            if (s.getValueCount() != p.getSampleTypeCount()) v.add("a sample with " + s.getValueCount() + " values");
            if (s.getValueCount() > 0 && s.getValue(0) <= 0) v.add("a sample with count " + s.getValue(0));
            for (long id : s.getLocationIdList()) if (!locations.contains(id)) v.add("sample → missing location " + id);
            for (ProfileProto.Label l : s.getLabelList()) {
                if (str(p, l.getKey(), "label key", v).isEmpty()) v.add("a label without a key");
                str(p, l.getStr(), "label value", v);
            }
        }
        for (long c : p.getCommentList()) str(p, c, "comment", v);
        return v;
    }

    private static Set<Long> ids(List<Long> ids, String what, List<String> v) {
        Set<Long> seen = new HashSet<>();
        for (long id : ids) {
            if (id == 0) v.add(what + " id 0");
            if (!seen.add(id)) v.add(what + " id " + id + " twice");
        }
        return seen;
    }

    private static String str(ProfileProto.Profile p, long index, String what, List<String> v) {
        if (index < 0 || index >= p.getStringTableCount()) {
            v.add(what + ": string index " + index + " out of range");
            return "";
        }
        return p.getStringTable((int) index);
    }
}
