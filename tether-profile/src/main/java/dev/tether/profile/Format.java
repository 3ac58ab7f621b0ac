package dev.tether.profile;

/**
 * Where a {@link Snapshot} comes from: the dump formats {@link Snapshots} reads, and {@link #TETHER_REGISTRY} for a
 * capture of Tether's live tasks. {@link Snapshots#read(java.io.InputStream, String)} tells the dump formats apart by
 * content (the first few KiB), never by file name. {@link Snapshots#write} writes {@link #GO_PPROF},
 * {@link #GO_DEBUG1} and {@link #GO_DEBUG2}.
 */
public enum Format {
    /**
     * Go's {@code /debug/pprof/goroutine?debug=1} (and {@code pprof.Lookup("goroutine").WriteTo(w, 1)}): goroutines
     * grouped by stack and labels, {@code N @ 0x...} then {@code #} frame lines. Starts with
     * {@code goroutine profile: total N}.
     */
    GO_DEBUG1("Go goroutine profile (debug=1)"),
    /**
     * Go's {@code ?debug=2} ({@code runtime.Stack(buf, true)}): every goroutine, {@code goroutine N [reason]:} then
     * its frames. Go 1.19's {@code created by f} and Go ≥ 1.21's {@code created by f in goroutine N} are both read.
     */
    GO_DEBUG2("Go goroutine dump (debug=2)"),
    /**
     * A Go program's crash output on stderr: {@code panic: ...} or {@code fatal error: ...} (e.g.
     * {@code all goroutines are asleep - deadlock!}), then goroutines as in {@link #GO_DEBUG2}, the crashing one
     * first. The message lines are the snapshot's {@linkplain Snapshot.Metadata#preamble() preamble}.
     */
    GO_CRASH("Go crash traceback"),
    /**
     * Go's {@code ?debug=0} ({@code pprof.Lookup("goroutine").WriteTo(w, 0)}): a gzip-compressed {@code profile.proto}
     * with sample type {@code goroutine/count}, one sample per distinct stack and label set, and the runtime frames
     * that the text formats hide. Read gzipped or raw.
     */
    GO_PPROF("Go pprof protobuf (debug=0)"),
    /** {@code jcmd <pid> Thread.dump_to_file -format=json}: JDK 21's fields and JDK 25's states and locks. */
    JDK_JSON("JDK thread dump (JSON)"),
    /** {@code jcmd <pid> Thread.dump_to_file} without {@code -format}: the JDK's plain-text thread dump. */
    JDK_TEXT("JDK thread dump (plain text)"),
    /** {@code jstack -l}, {@code jcmd <pid> Thread.print} or a {@code SIGQUIT} dump: {@code Full thread dump ...}. */
    JSTACK("jstack thread dump"),
    /**
     * Not a file format: a capture of Tether's live task registry ({@link TaskSnapshots#capture()}).
     * {@link Snapshots#read(java.io.InputStream, String, Format)} rejects it with a {@link SnapshotFormatException}.
     */
    TETHER_REGISTRY("Tether task registry"),
    /**
     * Not a file format: the report of a leak check of tether-test ({@link LeakSnapshots#of}). Read like
     * {@link #TETHER_REGISTRY}: rejected.
     */
    TETHER_LEAK_CHECK("Tether leak check");

    private final String description;

    Format(String description) {
        this.description = description;
    }

    /** A short human description, e.g. {@code Go goroutine dump (debug=2)}, as used in error messages. */
    public String description() {
        return description;
    }
}
