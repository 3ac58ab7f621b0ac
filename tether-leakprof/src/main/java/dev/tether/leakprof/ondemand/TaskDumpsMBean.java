package dev.tether.leakprof.ondemand;

import java.io.IOException;

/**
 * The management interface of {@link TaskDumps}, registered as {@value TaskDumps#OBJECT_NAME}: Tether's task dumps
 * written to a file on request from JConsole, JMC, {@code jmxterm} or any JMX client, with no HTTP endpoint.
 *
 * <p>Each {@code write...} operation takes an absolute path to a file that does not exist yet, in a directory that
 * does: it never overwrites a file, never follows a link planted at the path, and never creates a directory; a
 * path that breaks a rule is refused with an {@link IllegalArgumentException} that says which. A dump that fails
 * half-way is deleted. Each returns {@code "wrote N bytes to PATH"}.
 */
public interface TaskDumpsMBean {
    /** Live Tether tasks, {@link dev.tether.TaskRegistry#count()}. */
    int getLiveTasks();

    /** Tasks the garbage collector proved leaked in this process, {@link dev.tether.TaskRegistry#reclaimedCount()}. */
    long getProvenLeaks();

    /**
     * Writes every task with its stack ({@link dev.tether.dump.TaskDump#full()}, Go's {@code debug=2}) to
     * {@code path}.
     *
     * @throws IllegalArgumentException if {@code path} is not absolute, its directory does not exist, or it exists
     * @throws IOException              if writing fails
     */
    String writeFullDump(String path) throws IOException;

    /**
     * Writes the tasks grouped by stack ({@link dev.tether.dump.TaskDump#grouped()}, Go's {@code debug=1}) to
     * {@code path}.
     *
     * @throws IllegalArgumentException if {@code path} is not absolute, its directory does not exist, or it exists
     * @throws IOException              if writing fails
     */
    String writeGroupedDump(String path) throws IOException;

    /**
     * Writes a gzipped pprof goroutine profile of the tasks (Go's {@code debug=0}, for {@code go tool pprof}) to
     * {@code path}.
     *
     * @throws IllegalArgumentException if {@code path} is not absolute, its directory does not exist, or it exists
     * @throws IOException              if writing fails
     */
    String writeProfile(String path) throws IOException;
}
