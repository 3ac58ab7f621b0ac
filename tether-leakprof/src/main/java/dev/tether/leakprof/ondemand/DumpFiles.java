package dev.tether.leakprof.ondemand;

import dev.tether.dump.TaskDump;
import dev.tether.profile.Format;
import dev.tether.profile.Snapshots;
import dev.tether.profile.TaskSnapshots;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Writes the registry's dumps to files that did not exist, for the MBean and the signal handler. */
final class DumpFiles {
    private DumpFiles() {
    }

    /** What can be written. */
    enum Kind {
        /** {@link TaskDump#full}: every task and its stack, Go's {@code debug=2}. */
        FULL,
        /** {@link TaskDump#grouped}: tasks grouped by stack, Go's {@code debug=1}. */
        GROUPED,
        /** A gzipped pprof goroutine profile of {@link TaskSnapshots#capture()}, Go's {@code debug=0}. */
        PPROF
    }

    /**
     * The file a caller named, checked: an absolute path (a remote JMX caller does not know the JVM's working
     * directory), in a directory that exists, not a file that exists.
     *
     * @throws IllegalArgumentException with what is wrong and what to do instead
     */
    static Path target(String path) {
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("no path given: name a new file by its absolute path, e.g."
                    + " /tmp/tasks.txt");
        }
        Path p;
        try {
            p = Path.of(path);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("not a valid path: '" + path + "' (" + e.getReason() + ")", e);
        }
        if (!p.isAbsolute()) {
            throw new IllegalArgumentException("the path must be absolute (the JVM's working directory is not the"
                    + " caller's), was '" + path + "'");
        }
        Path dir = p.getParent();
        if (dir == null || p.getFileName() == null) {
            throw new IllegalArgumentException("the path must name a file in a directory, was '" + path + "'");
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("the directory " + dir + " does not exist (or is not a directory):"
                    + " dumps do not create directories");
        }
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException(p + " already exists: dumps never overwrite a file; name a new one"
                    + " or delete it first");
        }
        return p;
    }

    /**
     * Writes a dump of {@code kind} to {@code file}, which must not exist: it is created with
     * {@link StandardOpenOption#CREATE_NEW}, so a file (or link) made since the check is not overwritten or
     * followed. A dump that fails half-way is deleted. Returns the file's size.
     */
    static long write(Kind kind, Path file) throws IOException {
        // Opened before the try: if it cannot be created, there is nothing of ours to delete.
        OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try (out) {
            switch (kind) {
                case FULL, GROUPED -> {
                    Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
                    if (kind == Kind.FULL) TaskDump.full(w);
                    else TaskDump.grouped(w);
                    w.flush();
                }
                case PPROF -> Snapshots.write(TaskSnapshots.capture(), Format.GO_PPROF, out);
            }
        } catch (UncheckedIOException e) {
            deleteQuietly(file, e.getCause());
            throw e.getCause();
        } catch (IOException | RuntimeException | Error e) {
            deleteQuietly(file, e);
            throw e;
        }
        return Files.size(file);
    }

    private static void deleteQuietly(Path file, Throwable cause) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
