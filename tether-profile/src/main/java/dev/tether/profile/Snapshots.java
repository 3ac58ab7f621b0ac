package dev.tether.profile;

import java.io.BufferedWriter;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads goroutine and thread dumps into {@link Snapshot}s, recognising the format by content.
 *
 * <pre>{@code
 * Snapshot go = Snapshots.read(Path.of("goroutines.debug2.txt"));     // Go ?debug=2
 * Snapshot jvm = Snapshots.read(Path.of("threads.json"));             // jcmd Thread.dump_to_file -format=json
 * }</pre>
 *
 * <p>Formats: {@linkplain Format#GO_PPROF Go's pprof protobuf} (debug=0), {@linkplain Format#GO_DEBUG1 Go debug=1}
 * with labels, {@linkplain Format#GO_DEBUG2 Go debug=2} (Go 1.19 to current), {@linkplain Format#GO_CRASH Go panic
 * and fatal-error output}, the {@linkplain Format#JDK_JSON JDK's JSON} and {@linkplain Format#JDK_TEXT plain} thread
 * dumps (JDK 21 and 25), and {@linkplain Format#JSTACK jstack} (JDK 17 to 25, with its deadlock report). Gzipped input
 * is decompressed first.
 *
 * <p>Reading the text formats streams: memory is proportional to what the snapshot keeps, not to the input's size
 * (identical strings and frames are shared), lines longer than 1 MiB are rejected. A pprof profile is held as parsed
 * messages until its locations are read (Go writes them after the samples), up to 1 GiB decompressed. Every
 * malformed, truncated or binary input ends in a {@link SnapshotFormatException} that names the format and the line
 * or byte — never a hang or an {@link OutOfMemoryError}. The reader does not close a stream it is given.
 *
 * <p>Writing: {@link #write(Snapshot, Format, OutputStream)} writes the formats Go's tools read — the pprof
 * goroutine profile that {@code go tool pprof} and Pyroscope take, and Go's debug=1 and debug=2 text, which these
 * readers read back — and {@link #writeJson(Snapshot, OutputStream)} every field of the model as JSON.
 * {@link TaskSnapshots} captures Tether's live tasks as a snapshot.
 */
public final class Snapshots {

    private Snapshots() {
    }

    /**
     * Reads the dump in {@code file}, of any supported format; the file's name is the snapshot's source.
     *
     * @throws SnapshotFormatException if the file is not a dump of a supported format, or is malformed or truncated
     * @throws IOException             if the file cannot be read
     */
    public static Snapshot read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), null);
        }
    }

    /**
     * Reads a dump of any supported format from {@code in}, to its end.
     *
     * @param sourceName how to name the input in the snapshot and in error messages, e.g. a file name or URL
     * @throws SnapshotFormatException if the input is not a dump of a supported format, or is malformed or truncated
     * @throws IOException             if reading {@code in} fails
     */
    public static Snapshot read(InputStream in, String sourceName) throws IOException {
        return read(in, sourceName, null);
    }

    /**
     * Reads a dump of the given format from {@code in}, to its end, without looking at what it is first; for input
     * whose format is known. Null {@code format} detects it, as {@link #read(InputStream, String)}.
     *
     * @throws SnapshotFormatException if the input is not a valid dump of {@code format}; always for
     *                                 {@link Format#TETHER_REGISTRY} and {@link Format#TETHER_LEAK_CHECK}, which are not
     *                                 file formats
     * @throws IOException             if reading {@code in} fails
     */
    public static Snapshot read(InputStream in, String sourceName, Format format) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(sourceName, "sourceName");
        if (format == Format.TETHER_REGISTRY || format == Format.TETHER_LEAK_CHECK) {
            throw new SnapshotFormatException(sourceName, format, -1, 0, "not a file format: capture the live tasks"
                    + " with TaskSnapshots.capture(), a leak check's report with LeakSnapshots.of(report)");
        }
        Opened o = open(in, sourceName, format);
        Format f = format != null ? format : Sniffer.detect(o.head, o.length, sourceName);
        InputStream all = new SequenceInputStream(new ByteArrayInputStream(o.head, 0, o.length), o.rest);
        return switch (f) {
            case GO_DEBUG1 -> new GoProfileReader(new LineReader(all, sourceName, f), sourceName).read();
            case GO_DEBUG2, GO_CRASH -> new GoTracebackReader(new LineReader(all, sourceName, f), f, sourceName).read();
            case JDK_JSON -> new JdkJsonReader(all, sourceName).read();
            case JDK_TEXT -> new JdkTextReader(new LineReader(all, sourceName, f), sourceName).read();
            case JSTACK -> new JstackReader(new LineReader(all, sourceName, f), sourceName).read();
            case GO_PPROF -> new PprofReader(all, sourceName, o.gzipped).read();
            case TETHER_REGISTRY, TETHER_LEAK_CHECK -> throw new AssertionError("never detected");
        };
    }

    /**
     * The format of the dump in {@code file}, from its first few KiB (decompressed if gzipped).
     *
     * @throws SnapshotFormatException if it is empty, binary or no supported format
     * @throws IOException             if the file cannot be read
     */
    public static Format detect(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Opened o = open(in, file.toString(), null);
            return Sniffer.detect(o.head, o.length, file.toString());
        }
    }

    /**
     * Writes {@code snapshot} in {@code format}, one of those Go's tools read, to {@code out}; flushes {@code out}
     * and does not close it.
     * <ul>
     *   <li>{@link Format#GO_PPROF}: a gzip-compressed {@code profile.proto} goroutine profile as Go writes one
     *       (sample and period type {@code goroutine/count}, period 1, one sample per distinct stack and label set),
     *       for {@code go tool pprof}, Pyroscope and other pprof tools. Entries' labels are sample labels, and entries
     *       that have them also get the labels {@code state}, {@code wait_reason} and {@code owner}. JVM frames are
     *       functions {@code package.Class.method} in files {@code package/path/File.java}. Read back, it gives the
     *       same groups, counts, stacks and labels (and state, wait reason and owner).</li>
     *   <li>{@link Format#GO_DEBUG1}: Go's grouped text profile; entries with equal stacks, labels and program
     *       counters are one record.</li>
     *   <li>{@link Format#GO_DEBUG2}: Go's {@code runtime.Stack} text, one block per goroutine, task or thread (a
     *       group entry written as many times as its count).</li>
     * </ul>
     * What a format cannot hold is left out (names, owners and locks in the text formats); {@link #writeJson} keeps
     * everything. Each writer's exact conventions are in {@code docs/profile.md}.
     *
     * @throws IllegalArgumentException if {@code format} is not one of the three
     * @throws IOException              if writing to {@code out} fails
     */
    public static void write(Snapshot snapshot, Format format, OutputStream out) throws IOException {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(out, "out");
        switch (Objects.requireNonNull(format, "format")) {
            case GO_PPROF -> PprofWriter.write(snapshot, out);
            case GO_DEBUG1, GO_DEBUG2 -> {
                Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
                if (format == Format.GO_DEBUG1) GoTextWriter.debug1(snapshot, w);
                else GoTextWriter.debug2(snapshot, w);
                w.flush();
            }
            default -> throw new IllegalArgumentException("cannot write " + format + ": only GO_PPROF, GO_DEBUG1 and"
                    + " GO_DEBUG2 (and JSON with writeJson)");
        }
    }

    /**
     * Writes {@code snapshot} to {@code out} as JSON with every field of the model (schema
     * {@code tether-snapshot/1}, described in {@code docs/profile.md}), entry by entry; flushes {@code out} and does
     * not close it.
     *
     * @throws IOException if writing to {@code out} fails
     */
    public static void writeJson(Snapshot snapshot, OutputStream out) throws IOException {
        JsonWriter.write(Objects.requireNonNull(snapshot, "snapshot"), Objects.requireNonNull(out, "out"));
    }

    /** The input's first {@link Sniffer#HEAD} bytes and the rest, gzip already undone. */
    private record Opened(byte[] head, int length, InputStream rest, boolean gzipped) {
    }

    private static Opened open(InputStream in, String source, Format format) throws IOException {
        byte[] head = new byte[Sniffer.HEAD];
        int n = in.readNBytes(head, 0, head.length);
        if (!Sniffer.isGzip(head, n)) return new Opened(head, n, in, false);
        InputStream gz = new GzipErrors(new SequenceInputStream(new ByteArrayInputStream(head, 0, n), in), source,
                format);
        byte[] inner = new byte[Sniffer.HEAD];
        int m = gz.readNBytes(inner, 0, inner.length);
        return new Opened(inner, m, gz, true);
    }

    /** Decompresses gzip, turning corrupt or cut compressed data into a {@link SnapshotFormatException}. */
    private static final class GzipErrors extends FilterInputStream {
        private final String source;
        private final Format format;
        private final Counting compressed;
        private boolean started;

        /** {@code format}: what the caller asked for, or null when detecting. */
        GzipErrors(InputStream compressed, String source, Format format) {
            this(new Counting(compressed), source, format);
        }

        private GzipErrors(Counting compressed, String source, Format format) {
            super(compressed);
            this.compressed = compressed;
            this.source = source;
            this.format = format;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                if (!started) {
                    in = new GZIPInputStream(in, 1 << 16);
                    started = true;
                }
                return in.read(b, off, len);
            } catch (ZipException | EOFException e) {
                // The offset is in the compressed input: as far as the decompressor had read when it failed.
                throw new SnapshotFormatException(source, format, -1, compressed.count, "corrupt or truncated gzip "
                        + "data: " + (e.getMessage() == null ? "unexpected end" : e.getMessage()), e);
            }
        }
    }

    /** Counts the bytes read through it. */
    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }
    }
}
