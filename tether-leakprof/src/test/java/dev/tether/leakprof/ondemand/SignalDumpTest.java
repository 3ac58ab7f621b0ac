package dev.tether.leakprof.ondemand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.leakprof.metrics.BlockedSenders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sun.misc.Signal;
import sun.misc.SignalHandler;

class SignalDumpTest {

    @TempDir
    Path dir;

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static void kill(String signal) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(ProcessHandle.current().pid()))
                .redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("kill did not finish");
        }
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }

    @Test
    void usr1WritesTheFullDumpToANewFile() throws Exception {
        try (BlockedSenders senders = BlockedSenders.start(3);
             SignalDump dump = SignalDump.install("USR1", dir)) { // fails (not skips) if USR1 cannot be taken
            assertEquals("USR1", dump.signal());
            kill("USR1");
            BlockedSenders.await(() -> dump.dumpsWritten() == 1, "the dump after SIGUSR1");
            List<Path> files = files(dir);
            assertEquals(1, files.size(), "only the dump, no temporary file left: " + files);
            Path file = files.getFirst();
            String name = file.getFileName().toString();
            assertTrue(name.startsWith("tether-tasks-" + ProcessHandle.current().pid() + "-") && name.endsWith(".txt"),
                    name);
            String text = Files.readString(file);
            assertTrue(text.contains("[chan send"), text);
            assertTrue(text.contains("/" + BlockedSenders.site() + "\n"), text);

            kill("SIGUSR1"); // a second signal: a second file, the first untouched
            BlockedSenders.await(() -> dump.dumpsWritten() == 2, "the second dump");
            assertEquals(2, files(dir).size());
            assertEquals(text, Files.readString(file));
        }
        // Closed: the default handler is back (checked by swapping it, never by sending USR1, which would end us).
        SignalHandler current = Signal.handle(new Signal("USR1"), SignalHandler.SIG_DFL);
        assertEquals(SignalHandler.SIG_DFL, current);
    }

    @Test
    void dumpNowWritesAsTheSignalWould() throws Exception {
        try (SignalDump dump = SignalDump.install(Path.of(dir.toString(), ".", "sub", "..")); // normalized
             BlockedSenders senders = BlockedSenders.start(1)) {
            assertEquals(dir.toAbsolutePath(), dump.directory());
            assertEquals(SignalDump.DEFAULT_SIGNAL, dump.signal());
            Path file = dump.dumpNow();
            assertEquals(dir, file.getParent());
            assertTrue(Files.readString(file).contains(BlockedSenders.site()));
        }
    }

    @Test
    void refusesSignalsItMustNotTake() throws Exception {
        assertRefused("QUIT", "cannot be handled");
        assertRefused("USR2", "handled by the JVM itself");
        assertRefused("SIGPIPE", "handled by the JVM itself");
        assertRefused("TERM", "asks the process to end");
        assertRefused("INT", "asks the process to end");
        assertRefused("HUP", "asks the process to end");
        assertRefused("NOSUCH", "not a signal of this platform");

        SignalHandler mine = sig -> { };
        SignalHandler before = Signal.handle(new Signal("WINCH"), mine);
        try {
            assertRefused("WINCH", "already handled");
            assertEquals(mine, Signal.handle(new Signal("WINCH"), mine), "the application's handler is put back");
        } finally {
            Signal.handle(new Signal("WINCH"), before);
        }

        try (SignalDump first = SignalDump.install("usr1", dir)) {
            assertRefused("USR1", "already writes task dumps");
        }
        Path missing = dir.resolve("missing");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SignalDump.install("USR1", missing));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    private void assertRefused(String signal, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SignalDump.install(signal, dir));
        assertTrue(e.getMessage().contains(why), signal + ": " + e.getMessage());
    }
}
