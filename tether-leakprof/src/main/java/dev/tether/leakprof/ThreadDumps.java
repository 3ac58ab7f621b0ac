package dev.tether.leakprof;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.tether.profile.Format;
import dev.tether.profile.Snapshot;
import dev.tether.profile.Snapshots;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Every thread of this JVM, platform and virtual, through the JDK's own JSON thread dump: the one way to see raw
 * virtual threads that needs no JVM flag. It lists the virtual threads the JDK tracks (all of them by default; with
 * {@code -Djdk.trackAllThreads=false} only those of executors and structured scopes).
 */
final class ThreadDumps {
    private ThreadDumps() {
    }

    static Snapshot take() {
        Path dir = null, file = null;
        try {
            dir = Files.createTempDirectory("tether-leakprof");
            file = dir.resolve("threads.json"); // must not exist yet: the JDK refuses to overwrite
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toAbsolutePath().toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            try (var in = Files.newInputStream(file)) {
                return Snapshots.read(in, "this JVM's threads", Format.JDK_JSON);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not take a JDK thread dump", e);
        } finally {
            try {
                if (file != null) Files.deleteIfExists(file);
                if (dir != null) Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // a stray file in the temp directory is not worth failing the sample for
            }
        }
    }
}
