package dev.tether.profile;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every reader, given any bytes, returns a well-formed {@link Snapshot} or throws a {@link SnapshotFormatException}
 * that names the format it expected and where the input went wrong — in bounded time and memory. Anything else (another
 * exception, a {@link StackOverflowError}, a hang, an allocation out of proportion to the input) is a finding.
 *
 * <p>One fuzz test per reader, the format forced, plus one for detection ({@link #anyFormat}). Each has its inputs in
 * {@code src/test/resources/dev/tether/profile/ReaderFuzzTestInputs/<method>/}: seeds named for the fixture they come
 * from (whole small ones, valid cut-down slices of the large ones, the syntax variants), {@code crash-<sha1>} files
 * that Jazzer wrote for its findings, and {@code regression-*} files, small hand-made inputs for a finding or for a bug
 * seen while reading the code.
 *
 * <p>{@code mvn test} replays that corpus (Jazzer's regression mode: each file is one test invocation, a few
 * milliseconds each). To fuzz one reader, with the coverage-guided fuzzer, for a while:
 * <pre>
 * JAZZER_FUZZ=1 mvn -pl tether-core,tether-test,tether-profile test -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dtest='ReaderFuzzTest#goDebug2' -Djazzer.max_duration=5m
 * </pre>
 * (one fuzz test per run; {@code JAZZER_FUZZ} also switches JUnit's own timeouts off in the POM, as libFuzzer then
 * applies the {@link Timeout} below to each input). Crashing inputs land in the method's inputs directory: keep them,
 * so that they replay in CI, and fix the reader; the coverage corpus goes to {@code tether-profile/.cifuzz-corpus}
 * and is not kept.
 */
// Preemptive, so that a reader stuck in a loop fails its invocation instead of hanging the build.
@Timeout(value = 5, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReaderFuzzTest {

    private static final String SOURCE = "fuzz-input";
    /**
     * What one read may allocate: a fixed allowance (the line buffer, which grows to 1 MiB for a long line, the pools'
     * tables, Jackson's buffers; ~100 KiB for a small dump) plus a multiple of the input (real dumps take 2 to 20
     * bytes per byte read). A reader that allocates by a number it parsed rather than by what it read, or copies a
     * line per byte, exceeds it.
     */
    private static final long FIXED_ALLOCATION = 8L << 20;
    private static final long ALLOCATION_PER_INPUT_BYTE = 256;
    /** An error message quotes at most a few short snippets of the input; it is a message, not a copy of the line. */
    private static final int MAX_MESSAGE = 1024;

    @FuzzTest
    void goDebug1(byte[] input) throws IOException {
        readsOrFailsCleanly(input, Format.GO_DEBUG1);
    }

    @FuzzTest
    void goDebug2(byte[] input) throws IOException {
        readsOrFailsCleanly(input, Format.GO_DEBUG2);
    }

    @FuzzTest
    void goCrash(byte[] input) throws IOException {
        readsOrFailsCleanly(input, Format.GO_CRASH);
    }

    @FuzzTest
    void jdkJson(byte[] input) throws IOException {
        readsOrFailsCleanly(input, Format.JDK_JSON);
    }

    @FuzzTest
    void jdkText(byte[] input) throws IOException {
        readsOrFailsCleanly(input, Format.JDK_TEXT);
    }

    @FuzzTest
    void jstack(byte[] input) throws IOException {
        readsOrFailsCleanly(input, Format.JSTACK);
    }

    /** Go's protobuf goroutine profile (debug=0), gzipped or raw. */
    @FuzzTest
    void goPprof(byte[] input) throws IOException {
        readsOrFailsCleanly(input, Format.GO_PPROF);
    }

    /** No format given: detection, then whichever reader it picks. */
    @FuzzTest
    void anyFormat(byte[] input) throws IOException {
        readsOrFailsCleanly(input, null);
    }

    // ---- the contract ------------------------------------------------------------------------------------------

    /**
     * Reads {@code input} twice — whole, and trickled a few bytes per {@code read} call, which moves every line across
     * buffer refills — and checks that both reads end the same way and that the way is allowed. The second read's
     * allocations are measured: the first one's include loading (and, when fuzzing, instrumenting) the classes.
     */
    static void readsOrFailsCleanly(byte[] input, Format format) throws IOException {
        Outcome whole = read(new ByteArrayInputStream(input), format);
        if (whole.error != null) {
            try {
                checkError(whole.error, format);
            } catch (AssertionError a) {
                // With the error as the cause, the fuzzer tells findings apart by where the reader threw it.
                throw new AssertionError(a.getMessage(), whole.error);
            }
        } else {
            checkSnapshot(whole.snapshot, format, input);
        }

        Outcome trickled = read(new Trickle(input, 1 + Math.floorMod(Arrays.hashCode(input), 7)), format);
        if (whole.error != null) {
            assertNotNull(trickled.error, () -> "read whole it fails (" + whole.error.getMessage()
                    + "), read a few bytes at a time it does not");
            assertEquals(whole.error.getMessage(), trickled.error.getMessage(), "the same error, read in pieces");
        } else {
            if (trickled.error != null) {
                fail("read whole it succeeds, read a few bytes at a time it fails: " + trickled.error.getMessage(),
                        trickled.error);
            }
            assertEquals(whole.snapshot, trickled.snapshot, "the same snapshot, read in pieces");
        }
        assertTrue(trickled.allocated <= FIXED_ALLOCATION + ALLOCATION_PER_INPUT_BYTE * input.length,
                () -> "reading " + input.length + " bytes allocated " + trickled.allocated + " bytes");
    }

    private record Outcome(Snapshot snapshot, SnapshotFormatException error, long allocated) {
    }

    /** Reads; any exception but {@link SnapshotFormatException} propagates, and is a finding. */
    private static Outcome read(InputStream in, Format format) throws IOException {
        long before = allocatedBytes();
        try {
            Snapshot s = Snapshots.read(in, SOURCE, format);
            return new Outcome(s, null, allocatedBytes() - before);
        } catch (SnapshotFormatException e) {
            return new Outcome(null, e, allocatedBytes() - before);
        }
    }

    /** The error names the source, the format expected (when one was) and a line or byte, in a short message. */
    static void checkError(SnapshotFormatException e, Format format) {
        String m = e.getMessage();
        assertNotNull(m);
        assertEquals(SOURCE, e.source(), m);
        assertTrue(m.startsWith(SOURCE + ": "), m);
        assertTrue(m.length() <= SOURCE.length() + MAX_MESSAGE,
                () -> "a " + m.length() + "-character message: " + m.substring(0, 300) + "...");
        if (format != null) {
            assertEquals(format, e.format().orElse(null), () -> "the format that was asked for: " + m);
        }
        e.format().ifPresent(f -> assertTrue(m.startsWith(SOURCE + ": " + f.description() + ": "), m));
        if (e.format().orElse(null) == Format.GO_PPROF) return; // recognised, not read yet: nothing to point at
        assertTrue(e.line() > 0 || e.byteOffset() >= 0, () -> "a line or byte offset: " + m);
        if (e.line() > 0) assertTrue(m.contains(": line " + e.line()), m);
        else assertTrue(m.contains(": byte " + e.byteOffset()), m);
    }

    /** The snapshot is well-formed: metadata of the format read, entries with counts ≥ 1 and consistent totals. */
    static void checkSnapshot(Snapshot s, Format format, byte[] input) {
        Snapshot.Metadata md = s.metadata();
        Format f = md.format();
        if (format != null) assertEquals(format, f);
        assertEquals(SOURCE, md.source());
        assertNotNull(md.preamble());
        boolean go = f == Format.GO_DEBUG1 || f == Format.GO_DEBUG2 || f == Format.GO_CRASH;

        long total = 0;
        for (Entry e : s.entries()) {
            assertNotNull(e);
            assertTrue(e.count() >= 1, () -> "count " + e.count() + " of " + e);
            if (f != Format.GO_DEBUG1 && f != Format.GO_PPROF) {
                assertEquals(1, e.count(), () -> "only debug=1 and pprof group goroutines: " + e);
            }
            total += e.count();
            // A pprof profile names no kind: Go's read as goroutines, Tether's keep the kind their labels give.
            if (f != Format.GO_PPROF) assertEquals(go, e.kind() == Entry.Kind.GOROUTINE, () -> e + " in a " + f + " dump");
            assertNotNull(e.state());
            for (Frame frame : e.stack()) {
                assertNotNull(frame);
                assertFalse(frame.function().isEmpty());
                assertNotNull(frame.toString());
            }
            for (HeldLock l : e.locksHeld()) {
                assertTrue(l.frameIndex() < e.stack().size(), () -> l + " outside the stack of " + e);
            }
            e.createdBy().ifPresent(c -> assertFalse(c.function().isEmpty()));
            assertNotNull(e.programCounters());
            assertNotNull(e.labels());
            assertNotNull(e.toString());
        }
        assertEquals(total, s.total(), "the total is the sum of the counts");
        assertTrue(s.total() >= s.entries().size());

        if (f == Format.GO_DEBUG2 || f == Format.GO_CRASH) {
            assertFalse(s.entries().isEmpty(), "a goroutine traceback has at least one goroutine");
        }
        if (f == Format.GO_DEBUG1) {
            // The header states the total; the records must add up to it.
            String head = "goroutine profile: total ";
            String text = new String(input, 0, Math.min(input.length, 64), StandardCharsets.ISO_8859_1);
            if (text.startsWith(head)) {
                int end = head.length();
                while (end < text.length() && Character.isDigit(text.charAt(end))) end++;
                assertEquals(Long.parseLong(text.substring(head.length(), end)), s.total(), "the header's total");
            }
        }
        if (f != Format.JSTACK) {
            assertTrue(s.deadlocks().isEmpty(), "only jstack reports deadlocks");
        }
        for (Deadlock d : s.deadlocks()) {
            assertFalse(d.cycle().isEmpty(), "a deadlock is a cycle of at least one waiting thread");
        }
    }

    /** Current thread's allocations so far (HotSpot's exact per-thread counter). */
    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** Serves its bytes at most {@code chunk} at a time, as a pipe or a slow socket might. */
    private static final class Trickle extends InputStream {
        private final byte[] data;
        private final int chunk;
        private int pos;

        Trickle(byte[] data, int chunk) {
            this.data = data;
            this.chunk = chunk;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) return 0;
            if (pos >= data.length) return -1;
            int n = Math.min(Math.min(len, chunk), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
