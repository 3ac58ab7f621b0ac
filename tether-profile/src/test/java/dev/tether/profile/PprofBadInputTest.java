package dev.tether.profile;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.tether.profile.proto.ProfileProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bad pprof profile — cut, corrupt, inconsistent, not a goroutine profile — fails with a
 * {@link SnapshotFormatException} that names the format and the byte offset of the message at fault.
 */
@Timeout(20)
class PprofBadInputTest {

    @Test
    void aRawProfileIsReadAsWellAsAGzippedOne() throws IOException {
        Snapshot raw = Snapshots.read(new ByteArrayInputStream(raw("syncleaks.debug0.pb.gz")), "raw.pb");
        assertEquals(Format.GO_PPROF, raw.metadata().format());
        assertEquals(Fixtures.read(Fixtures.go("syncleaks.debug0.pb.gz")).entries(), raw.entries());
    }

    @Test
    void aProfileCutAnywhereFailsNamingTheFormatAndAByte() throws IOException {
        byte[] all = raw("httpleak.debug0.pb.gz");
        Random random = new Random(42);
        int failed = 0;
        for (int i = 0; i < 200; i++) {
            int cut = 64 + random.nextInt(all.length - 65);
            byte[] part = Arrays.copyOf(all, cut);
            try {
                Snapshot s = Snapshots.read(new ByteArrayInputStream(part), "cut-" + cut, Format.GO_PPROF);
                // A cut between two messages can leave a consistent profile: then it has fewer samples, not more.
                assertTrue(s.total() <= 311, "cut " + cut);
            } catch (SnapshotFormatException e) {
                failed++;
                assertEquals(Format.GO_PPROF, e.format().orElseThrow(), e.getMessage());
                assertTrue(e.byteOffset() >= 0 && e.byteOffset() <= cut, e.getMessage());
                assertTrue(e.getMessage().startsWith("cut-" + cut + ": Go pprof protobuf (debug=0): "), e.getMessage());
            }
        }
        assertTrue(failed > 190, "nearly every cut is caught: the string table comes last; " + failed);
    }

    @Test
    void aCutGzipStreamIsReported() {
        byte[] gz = Fixtures.bytes(Fixtures.go("chanleaks.debug0.pb.gz"));
        SnapshotFormatException e = readFails(Arrays.copyOf(gz, gz.length - 20), "half.pb.gz");
        assertTrue(e.getMessage().contains("gzip") || e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aSampleNamingAMissingLocationIsAnErrorAtThatSample() {
        byte[] bad = edit(p -> p.addSample(ProfileProto.Sample.newBuilder().addLocationId(9999).addValue(1)));
        SnapshotFormatException e = readFails(bad, "bad.pb");
        assertTrue(e.getMessage().contains("refers to location 9999, which does not exist"), e.getMessage());
        assertEquals(0x12, bad[(int) e.byteOffset()], "the offset is the sample's tag (field 2, length-delimited)");
    }

    @Test
    void aLineNamingAMissingFunctionIsAnError() {
        byte[] bad = edit(p -> p.setLocation(0, p.getLocation(0).toBuilder().setLine(0,
                ProfileProto.Line.newBuilder().setFunctionId(7777).setLine(3))));
        SnapshotFormatException e = readFails(bad, "bad.pb");
        assertTrue(e.getMessage().contains("refers to function 7777"), e.getMessage());
        assertEquals(0x22, bad[(int) e.byteOffset()], "the location's tag (field 4)");
    }

    @Test
    void aStringIndexOutsideTheTableIsAnError() {
        byte[] bad = edit(p -> p.setFunction(0, p.getFunction(0).toBuilder().setName(123456)));
        SnapshotFormatException e = readFails(bad, "bad.pb");
        assertTrue(e.getMessage().contains("function name is string 123456, outside the string table"), e.getMessage());
    }

    @Test
    void aFirstStringOtherThanEmptyIsAnError() {
        SnapshotFormatException e = readFails(edit(p -> p.setStringTable(0, "oops")), "bad.pb");
        assertTrue(e.getMessage().contains("string_table[0] must be \"\""), e.getMessage());
    }

    @Test
    void aProfileWithoutACountIsNotAGoroutineProfile() {
        byte[] cpu = edit(p -> {
            int cpuIndex = p.getStringTableCount();
            p.addStringTable("cpu").addStringTable("nanoseconds");
            p.setSampleType(0, ProfileProto.ValueType.newBuilder().setType(cpuIndex).setUnit(cpuIndex + 1));
        });
        SnapshotFormatException e = readFails(cpu, "cpu.pb");
        assertTrue(e.getMessage().contains("not a goroutine profile: no count among its sample types (cpu/nanoseconds)"),
                e.getMessage());
    }

    @Test
    void aSampleWithTheWrongNumberOfValuesIsAnError() {
        byte[] bad = edit(p -> p.setSample(0, p.getSample(0).toBuilder().addValue(5)));
        SnapshotFormatException e = readFails(bad, "bad.pb");
        assertTrue(e.getMessage().contains("a sample has 2 values for 1 sample types"), e.getMessage());
    }

    @Test
    void aNegativeCountIsAnError() {
        SnapshotFormatException e = readFails(edit(p -> p.setSample(0, p.getSample(0).toBuilder().setValue(0, -4))),
                "bad.pb");
        assertTrue(e.getMessage().contains("sample count -4 out of range"), e.getMessage());
    }

    @Test
    void aFieldOfTheWrongWireTypeIsAnError() {
        // sample_type (1) as a varint, then what looks like more fields
        byte[] bad = {0x08, 0x01, 0x10, 0x02, 0x18, 0x03, 0x20, 0x04};
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                () -> Snapshots.read(new ByteArrayInputStream(bad), "wire.pb", Format.GO_PPROF));
        assertTrue(e.getMessage().contains("field sample_type is not length-delimited"), e.getMessage());
        assertEquals(0, e.byteOffset());
    }

    @Test
    void garbageInsideAMessageIsAnErrorAtItsField() {
        byte[] good = raw("chanleaks.debug0.pb.gz");
        byte[] bad = good.clone();
        // The first sample's length says it runs past the end of the input.
        int at = offsetOfFirst(bad, ProfileProto.Profile.SAMPLE_FIELD_NUMBER);
        bad[at + 1] = (byte) 0xff;
        bad[at + 2] = (byte) 0x7f;
        SnapshotFormatException e = readFails(bad, "garbage.pb");
        assertEquals(at, e.byteOffset(), e.getMessage());
        assertTrue(e.getMessage().contains("malformed protobuf"), e.getMessage());
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static byte[] raw(String fixture) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(Fixtures.bytes(Fixtures.go(fixture))))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** syncleaks' profile, changed by {@code change}, serialized raw (not gzipped). */
    private static byte[] edit(java.util.function.Consumer<ProfileProto.Profile.Builder> change) {
        try {
            ProfileProto.Profile.Builder p = ProfileProto.Profile.parseFrom(raw("syncleaks.debug0.pb.gz")).toBuilder();
            change.accept(p);
            return p.build().toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The byte offset of the first top-level field {@code number}. */
    private static int offsetOfFirst(byte[] b, int number) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(b);
            while (!in.isAtEnd()) {
                int at = in.getTotalBytesRead();
                int tag = in.readTag();
                if (WireFormat.getTagFieldNumber(tag) == number) return at;
                in.skipField(tag);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError("no field " + number);
    }

    private static SnapshotFormatException readFails(byte[] input, String name) {
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                () -> Snapshots.read(new ByteArrayInputStream(input), name), name + " was read without error");
        assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
        return e;
    }
}
