package dev.tether.profile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A quick check, not a benchmark (that is JMH's job in tether-bench): a ~100 MB debug=2 dump, built by repeating the
 * goroutines of a fixture under fresh ids, is read in about the target time (≥ 50 MB/s) and its snapshot retains
 * less than twice the input. The assertions are loose, for shared CI machines; the numbers are printed.
 */
class ThroughputCheckTest {

    private static final int TARGET_BYTES = 100 << 20;

    @Test
    @Timeout(60)
    void aHundredMegabyteDebug2DumpIsReadQuicklyInBoundedMemory() throws IOException {
        byte[] dump = build(TARGET_BYTES);
        // Warm the JIT on a tenth of it first: the first megabytes run interpreted.
        Snapshots.read(new ByteArrayInputStream(dump, 0, lastGoroutineStart(dump, dump.length / 10)), "warm-up");

        long before = usedHeapAfterGc();
        long t0 = System.nanoTime();
        Snapshot s = Snapshots.read(new ByteArrayInputStream(dump), "synthetic-100MB");
        long nanos = System.nanoTime() - t0;
        long retained = usedHeapAfterGc() - before;

        double mb = dump.length / 1e6;
        double mbPerSecond = mb / (nanos / 1e9);
        System.out.printf("[throughput] debug=2, %.1f MB, %,d goroutines: %.0f ms, %.0f MB/s; snapshot retains %.1f MB"
                + " (%.2f x input)%n", mb, s.entries().size(), nanos / 1e6, mbPerSecond, retained / 1e6,
                (double) retained / dump.length);
        assertEquals(count(dump), s.entries().size());
        assertTrue(mbPerSecond > 10, "throughput " + mbPerSecond + " MB/s");
        assertTrue(retained < 2L * dump.length, "retained " + retained + " bytes for " + dump.length);
    }

    /** Goroutine blocks of chanleaks.debug2.txt, repeated with increasing ids until {@code size} bytes. */
    private static byte[] build(int size) {
        String text = new String(Fixtures.bytes(Fixtures.go("chanleaks.debug2.txt")), StandardCharsets.UTF_8);
        List<String> bodies = new ArrayList<>();
        for (String block : text.split("\n\n")) {
            block = block.strip();
            bodies.add(block.substring(block.indexOf(' ', "goroutine ".length())) + "\n\n"); // " [status]:\n..."
        }
        byte[] out = new byte[size];
        int n = 0;
        for (long id = 1; ; id++) {
            byte[] b = ("goroutine " + id + bodies.get((int) (id % bodies.size()))).getBytes(StandardCharsets.UTF_8);
            if (n + b.length > size) break;
            System.arraycopy(b, 0, out, n, b.length);
            n += b.length;
        }
        return Arrays.copyOf(out, n);
    }

    private static int lastGoroutineStart(byte[] dump, int limit) {
        String head = new String(dump, 0, limit, StandardCharsets.ISO_8859_1);
        return head.lastIndexOf("\n\ngoroutine ") + 2;
    }

    private static long count(byte[] dump) {
        long n = 0;
        for (int i = 0; i + 10 < dump.length; i++) {
            if (dump[i] == 'g' && (i == 0 || dump[i - 1] == '\n') && dump[i + 9] == ' ' && dump[i + 1] == 'o'
                    && dump[i + 8] == 'e') n++;
        }
        return n;
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
