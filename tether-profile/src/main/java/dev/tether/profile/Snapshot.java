package dev.tether.profile;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The goroutines, threads or tasks of one process at one moment, whatever dumped them: a Go goroutine profile or
 * crash traceback, a JDK thread dump, jstack, or Tether's registry. One model, so that one tool can look at a Go fleet
 * and a JVM fleet alike.
 *
 * <pre>{@code
 * Snapshot s = Snapshots.read(Path.of("goroutines.txt"));
 * for (Entry e : s.entries()) {
 *     if (e.waitReason().orElse("").equals("chan send")) System.out.println(e + " " + e.stack().getFirst());
 * }
 * }</pre>
 *
 * @param metadata  where the snapshot comes from
 * @param entries   the goroutines, threads or tasks, in the dump's order (each possibly a group: see
 *                  {@link Entry#count()})
 * @param deadlocks the Java-level deadlocks the dump itself reports (jstack); empty for other formats
 */
public record Snapshot(Metadata metadata, List<Entry> entries, List<Deadlock> deadlocks) {

    /** @throws NullPointerException if an argument or an element is null */
    public Snapshot {
        Objects.requireNonNull(metadata, "metadata");
        entries = List.copyOf(entries);
        deadlocks = List.copyOf(deadlocks);
    }

    /** The number of goroutines, threads or tasks: the sum of the entries' counts. */
    public long total() {
        long n = 0;
        for (Entry e : entries) n += e.count();
        return n;
    }

    /**
     * Where a snapshot comes from. Fields a format does not carry are null.
     *
     * @param format         the dump's format
     * @param source         the file name or other description of the input given to the reader
     * @param processId      the process id (JDK dumps, {@code jcmd}), or null
     * @param processName    the process or program name, or null: a pprof profile's main binary (its first
     *                       mapping's file name), the command of a process whose registry was captured
     * @param runtimeVersion the runtime's version ({@code 25.0.3+9-LTS}), or null (Go dumps do not print it)
     * @param time           when the dump was taken (JDK JSON and plain text, pprof, registry captures), or null;
     *                       jstack prints a local time without a zone, which stays in {@code preamble}
     * @param preamble       the non-blank lines a dump prints before its first goroutine or thread that are not
     *                       otherwise parsed: a Go crash's {@code panic: ...} or {@code fatal error: ...} message,
     *                       jstack's timestamp and {@code Full thread dump} line, a pprof profile's comments, a
     *                       note that a registry capture's stacks were sampled; empty for other formats. Capped
     *                       (a few hundred lines of at most 4 KiB): it is a message, not data
     */
    public record Metadata(Format format, String source, Long processId, String processName, String runtimeVersion,
                           Instant time, List<String> preamble) {

        /** @throws NullPointerException if {@code format}, {@code source} or {@code preamble} is null */
        public Metadata {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(source, "source");
            preamble = List.copyOf(preamble);
        }

        /** Metadata of a capture taken in this JVM: its pid, command name and runtime version. */
        static Metadata ofThisProcess(Format format, String source, Instant time, List<String> preamble) {
            ProcessHandle me = ProcessHandle.current();
            String name = me.info().command().map(cmd -> cmd.substring(cmd.lastIndexOf('/') + 1)).orElse(null);
            return new Metadata(format, source, me.pid(), name, Runtime.version().toString(), time, preamble);
        }
    }
}
