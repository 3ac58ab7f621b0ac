package dev.tether.profile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input — cut, binary, huge lines, the wrong format, nothing — fails with a {@link SnapshotFormatException} that
 * names the expected format and where, quickly and in bounded memory.
 */
@Timeout(10)
class BadInputTest {

    /** Every fixture that is text or JSON. */
    static List<Path> textFixtures() {
        List<Path> l = new ArrayList<>();
        for (String folder : List.of("go", "jvm")) {
            for (Path p : Fixtures.dumps(folder)) if (!p.toString().endsWith(".gz")) l.add(p);
        }
        return l;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("textFixtures")
    void aFixtureCutInsideALineFailsNamingTheFormatAndPosition(Path file) throws IOException {
        byte[] all = Fixtures.bytes(file);
        Format format = Snapshots.read(file).metadata().format();
        Random random = new Random(file.getFileName().toString().hashCode());
        for (int i = 0; i < 25; i++) {
            // From byte 256 on (a shorter prefix may not be recognisable at all), and inside a line: a cut at a line
            // end can leave a shorter but valid dump.
            int cut = 256 + random.nextInt(all.length - 257);
            while (all[cut - 1] == '\n') cut++;
            SnapshotFormatException e = readFails(Arrays.copyOf(all, cut), "cut-" + cut);
            assertEquals(format, e.format().orElse(null), e.getMessage());
            assertTrue(e.getMessage().contains(format.description()), e.getMessage());
            assertTrue(e.line() > 0 || e.byteOffset() >= 0, "a position: " + e.getMessage());
        }
    }

    @Test
    void aCutAtALineEndIsCaughtWhereTheFormatSaysHowItEnds() throws IOException {
        // debug=1 states its total, jstack ends its thread list with "JNI global refs", the JDK's plain dump ends each
        // thread with a blank line: a cut at any line end before the last thread is detectable.
        List<Path> files = List.of(Fixtures.go("httpleak.debug1.txt"), Fixtures.go("syncleaks.debug1.txt"),
                Fixtures.jvm("lockdeadlocks.jdk25.jstack.txt"), Fixtures.jvm("lockdeadlocks.jdk17.jstack.txt"),
                Fixtures.jvm("queueleaks.jdk25.jstack.txt"));
        for (Path file : files) {
            byte[] all = Fixtures.bytes(file);
            int lines = 0;
            for (int i = 0; i < all.length - 2; i++) {
                if (all[i] != '\n') continue;
                lines++;
                if (lines % 7 != 0) continue; // a sample of line ends keeps the test fast
                if (file.toString().contains("jstack")) {
                    // Detectable while the thread list or a deadlock report is open; a cut between the two is not.
                    String head = new String(all, 0, i + 1, StandardCharsets.UTF_8);
                    String rest = new String(all, i + 1, all.length - i - 1, StandardCharsets.UTF_8);
                    if (!rest.contains("JNI global refs") && !(head.contains("Found one") && rest.contains("Found "))) continue;
                }
                SnapshotFormatException e = readFails(Arrays.copyOf(all, i + 1), file.getFileName() + "-cut-" + (i + 1));
                assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            }
        }
        byte[] text = Fixtures.bytes(Fixtures.jvm("lockdeadlocks.jdk25.threaddump.txt"));
        String s = new String(text, StandardCharsets.UTF_8);
        int inThread = s.indexOf("    at demo.LockDeadlocks.transfer") ;
        SnapshotFormatException e = readFails(Arrays.copyOf(text, s.indexOf('\n', inThread) + 1), "plain-cut");
        assertTrue(e.getMessage().contains("truncated: the last thread does not end with a blank line"), e.getMessage());
    }

    @Test
    void randomBytesAreRejectedAsBinary() {
        Random random = new Random(7);
        for (int i = 0; i < 20; i++) {
            byte[] junk = new byte[1 + random.nextInt(100_000)];
            random.nextBytes(junk);
            SnapshotFormatException e = readFails(junk, "junk");
            assertTrue(e.getMessage().contains("binary") || e.getMessage().contains("not a dump")
                    || e.getMessage().contains("pprof"), e.getMessage());
        }
    }

    @Test
    void textThatIsNoDumpIsRejectedShowingItsStart() {
        SnapshotFormatException e = readFails("hello world\nthis is not a dump\n".getBytes(StandardCharsets.UTF_8), "notes.txt");
        assertTrue(e.getMessage().startsWith("notes.txt: "), e.getMessage());
        assertTrue(e.getMessage().contains("\"hello world\""), e.getMessage());
        assertTrue(e.format().isEmpty());
    }

    @Test
    void emptyInputIsRejected() {
        assertTrue(readFails(new byte[0], "empty").getMessage().contains("empty input"));
        for (Format f : Format.values()) {
            SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                    () -> Snapshots.read(new ByteArrayInputStream(new byte[0]), "empty", f));
            assertTrue(e.getMessage().contains(f.description()), e.getMessage());
        }
    }

    @Test
    void aTenMegabyteLineFailsAfterReadingAboutOneMegabyte() {
        // A debug=2 dump whose third line is 10 MB: the reader stops at its 1 MiB limit, without buffering the rest.
        byte[] prefix = "goroutine 1 [running]:\nmain.main()\n\t/x/main.go:".getBytes(StandardCharsets.UTF_8);
        CountingStream in = new CountingStream(prefix, 10 << 20, (byte) '7');
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class, () -> Snapshots.read(in, "long-line"));
        assertEquals(3, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains("line longer than 1024 KiB"), e.getMessage());
        assertTrue(in.served < 3 << 20, "read " + in.served + " bytes of a 10 MB line");

        // The same line as the whole input: not recognisable.
        SnapshotFormatException whole = assertThrows(SnapshotFormatException.class,
                () -> Snapshots.read(new CountingStream(new byte[0], 10 << 20, (byte) 'x'), "one-line"));
        assertTrue(whole.getMessage().contains("not a dump"), whole.getMessage());

        // A 10 MB JSON string: Jackson's constraints stop it.
        byte[] json = "{\"threadDump\": {\"processId\": \"".getBytes(StandardCharsets.UTF_8);
        CountingStream jin = new CountingStream(json, 10 << 20, (byte) '1');
        SnapshotFormatException je = assertThrows(SnapshotFormatException.class, () -> Snapshots.read(jin, "long.json"));
        assertEquals(Format.JDK_JSON, je.format().orElseThrow());
        assertTrue(jin.served < 3 << 20, "read " + jin.served + " bytes of a 10 MB string");
    }

    @Test
    void aJsonDumpGivenToATextReaderFailsOnItsFirstLine() throws IOException {
        byte[] json = Fixtures.bytes(Fixtures.jvm("lockdeadlocks.jdk25.threaddump.json"));
        SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                () -> Snapshots.read(new ByteArrayInputStream(json), "dump.json", Format.JDK_TEXT));
        assertEquals(1, e.line());
        assertTrue(e.getMessage().startsWith("dump.json: JDK thread dump (plain text): line 1 (byte 0): expected the process id"),
                e.getMessage());
    }

    @Test
    void everyFixtureReadAsAnotherFormatFails() throws IOException {
        for (Path file : textFixtures()) {
            Format actual = Snapshots.read(file).metadata().format();
            for (Format forced : Format.values()) {
                if (forced == actual || compatible(actual, forced)) continue;
                SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                        () -> Snapshots.read(new ByteArrayInputStream(Fixtures.bytes(file)), file.toString(), forced),
                        file + " read as " + forced);
                assertEquals(forced, e.format().orElseThrow(), e.getMessage());
            }
        }
    }

    /** Go's debug=2 is crash output without a message: the crash reader accepts it. */
    private static boolean compatible(Format actual, Format forced) {
        return actual == Format.GO_DEBUG2 && forced == Format.GO_CRASH;
    }

    @Test
    void aNulByteInATextDumpIsReportedWithItsPosition() {
        byte[] b = Fixtures.bytes(Fixtures.go("chanleaks.debug2.txt")).clone();
        int at = 15_000; // past the first 8 KiB that format detection looks at
        b[at] = 0;
        SnapshotFormatException e = readFails(b, "nul");
        assertTrue(e.getMessage().contains("NUL"), e.getMessage());
        assertEquals(at, e.byteOffset());
        assertTrue(e.line() > 100, e.getMessage());

        b = Fixtures.bytes(Fixtures.go("chanleaks.debug2.txt")).clone();
        b[100] = 0; // within them
        e = readFails(b, "nul-early");
        assertTrue(e.getMessage().contains("binary data"), e.getMessage());
        assertEquals(100, e.byteOffset());
    }

    @Test
    void deeplyNestedJsonIsRejectedWithoutAStackOverflow() {
        String open = "{\"threadDump\": {\"x\": " + "[".repeat(200_000);
        SnapshotFormatException e = readFails(open.getBytes(StandardCharsets.UTF_8), "deep.json");
        assertEquals(Format.JDK_JSON, e.format().orElseThrow());
        assertTrue(e.getMessage().toLowerCase().contains("nesting depth"), e.getMessage());
    }

    @Test
    void gzippedTextIsReadAndCorruptGzipIsReported() throws IOException {
        byte[] text = Fixtures.bytes(Fixtures.go("syncleaks.debug2.txt"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(text);
        }
        byte[] zipped = bytes.toByteArray();
        assertEquals(16, Snapshots.read(new ByteArrayInputStream(zipped), "z").entries().size());
        SnapshotFormatException e = readFails(Arrays.copyOf(zipped, zipped.length / 2), "half.gz");
        assertTrue(e.getMessage().contains("gzip") || e.getMessage().contains("truncated"), e.getMessage());
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static SnapshotFormatException readFails(byte[] input, String name) {
        return assertThrows(SnapshotFormatException.class,
                () -> Snapshots.read(new ByteArrayInputStream(input), name), name + " was read without error");
    }

    /** A prefix, then {@code n} copies of one byte, produced on demand; counts what was read. */
    private static final class CountingStream extends InputStream {
        private final byte[] prefix;
        private final long n;
        private final byte fill;
        long served;

        CountingStream(byte[] prefix, long n, byte fill) {
            this.prefix = prefix;
            this.n = n;
            this.fill = fill;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            long total = prefix.length + n;
            if (served >= total) return -1;
            int k = (int) Math.min(len, total - served);
            for (int i = 0; i < k; i++) {
                long at = served + i;
                b[off + i] = at < prefix.length ? prefix[(int) at] : fill;
            }
            served += k;
            return k;
        }
    }

    @Test
    void twoJstackDumpsAppendedToOneFileAreRejectedNotReadAsTheFirst() {
        for (String fixture : new String[] {"lockdeadlocks.jdk25.jstack.txt", "queueleaks.jdk25.jstack.txt"}) {
            byte[] one = Fixtures.bytes(Fixtures.jvm(fixture));
            byte[] two = new byte[one.length * 2];
            System.arraycopy(one, 0, two, 0, one.length);
            System.arraycopy(one, 0, two, one.length, one.length);
            SnapshotFormatException e = assertThrows(SnapshotFormatException.class,
                    () -> Snapshots.read(new java.io.ByteArrayInputStream(two), fixture + " twice"));
            assertTrue(e.getMessage().contains("second dump appended"), e.getMessage());
        }
    }
}
