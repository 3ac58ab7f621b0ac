package dev.tether.profile;

import com.sun.management.ThreadMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A quick check, not a benchmark (that is {@code ProfileBench} in tether-bench): a million entries are written as a
 * pprof profile quickly — a million tasks at four sites (what a per-task capture gives) in well under a second, a
 * million distinct stacks (a million samples) in a few — allocating a bounded amount per entry and streaming the
 * output. The assertions are loose, for shared CI machines; the numbers are printed.
 */
@Timeout(120)
class PprofScaleCheckTest {

    private static final int N = 1_000_000;
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void aMillionTasksAtFourSitesAreOneProfileOfFourSamples() throws IOException {
        Frame[] api = {new Frame("dev.tether.Channel.send", "Channel.java", 124),
                new Frame("dev.tether.Channel.receive", "Channel.java", 157)};
        Owner scope = new Owner("scope", 1L, "workers", null, null);
        List<Entry> entries = new ArrayList<>(N);
        Entry.Builder b = Entry.builder(Entry.Kind.TETHER_TASK);
        for (int i = 0; i < N; i++) {
            int site = i % 4;
            b.reset(Entry.Kind.TETHER_TASK).id(i + 2).name("task-" + i).state(Entry.State.WAITING)
                    .waitReason(site % 2 == 0 ? "chan send" : "chan receive").waited(Duration.ofNanos(i))
                    .addFrame(api[site % 2]).addFrame(new Frame("com.example.Site.at" + site, "Site.java", 10 + site))
                    .createdBy(new Frame("com.example.Main.main", "Main.java", 5)).owner(scope);
            entries.add(b.build());
        }
        Snapshot s = snapshot(entries);
        write(s, new ByteArrayOutputStream()); // warm-up
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        long allocated = write(s, out);
        long nanos = System.nanoTime() - t0;
        System.out.printf("[pprof] %,d tasks, 4 sites: written in %.0f ms, %,d bytes, %,d bytes allocated%n", N,
                nanos / 1e6, out.size(), allocated);
        Snapshot back = Snapshots.read(new ByteArrayInputStream(out.toByteArray()), "million.pb.gz");
        assertEquals(4, back.entries().size());
        assertEquals(N, back.total());
        assertTrue(nanos < 5_000_000_000L, "took " + nanos / 1e6 + " ms");
        assertTrue(allocated < 64L * N, "allocated " + allocated + " bytes: the grouping allocates nothing per entry");
    }

    @Test
    void aMillionDistinctStacksAreStreamedInBoundedMemory() throws IOException {
        Frame api = new Frame("dev.tether.Channel.send", "Channel.java", 124);
        Frame main = new Frame("com.example.Main.run", "Main.java", 10);
        String[] functions = new String[1000];
        for (int i = 0; i < functions.length; i++) functions[i] = "com.example.Gen.f" + i;
        List<Entry> entries = new ArrayList<>(N);
        Entry.Builder b = Entry.builder(Entry.Kind.TETHER_TASK);
        for (int i = 0; i < N; i++) { // a million locations (1,000 functions at 1,000 lines each): a million samples
            b.reset(Entry.Kind.TETHER_TASK).state(Entry.State.WAITING).waitReason("chan send").addFrame(api)
                    .addFrame(new Frame(functions[i % 1000], "Gen.java", 1 + i / 1000)).addFrame(main);
            entries.add(b.build());
        }
        Snapshot s = snapshot(entries);
        CountingStream out = new CountingStream();
        long t0 = System.nanoTime();
        long allocated = write(s, out);
        long nanos = System.nanoTime() - t0;
        System.out.printf("[pprof] %,d distinct stacks: written in %.0f ms, %,d bytes, %.0f bytes allocated per"
                + " entry%n", N, nanos / 1e6, out.count, (double) allocated / N);
        assertTrue(out.count > 0);
        assertTrue(nanos < 30_000_000_000L, "took " + nanos / 1e6 + " ms");
        // The interning tables and the samples' keys (with their growth): no message object per sample.
        assertTrue(allocated < 1_000L * N, "allocated " + allocated / N + " bytes per entry");
    }

    private static Snapshot snapshot(List<Entry> entries) {
        return new Snapshot(new Snapshot.Metadata(Format.TETHER_REGISTRY, "synthetic", null, null, null, null,
                List.of()), entries, List.of());
    }

    /** Writes {@code s} as pprof to {@code out}; returns the bytes this thread allocated doing it. */
    private static long write(Snapshot s, OutputStream out) throws IOException {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        Snapshots.write(s, Format.GO_PPROF, out);
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    private static final class CountingStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
