package dev.tether.leakprof.ondemand;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Writes the full task dump ({@link dev.tether.dump.TaskDump#full()}, Go's {@code debug=2}) to a new file in a
 * directory when the process receives a signal: {@code kill -USR1 <pid>}, the JVM counterpart of a Go server's
 * {@code SIGUSR1} dump handler. ({@code SIGQUIT} is the JVM's own thread dump and cannot be taken.)
 *
 * <pre>{@code
 * try (SignalDump dumps = SignalDump.install("USR1", Path.of("/var/tmp/myapp"))) {
 *     ...   // kill -USR1 <pid>  ->  /var/tmp/myapp/tether-tasks-<pid>-20250101T120000.000-1.txt
 * }
 * }</pre>
 *
 * <h2>Which signals</h2>
 * Only a signal that nothing handles yet (its handler is the default or "ignore") is taken, so that a dump never
 * replaces a handler the JVM or the application relies on. On Linux with HotSpot that means {@code USR1} (the
 * default, and the usual choice), or less usual ones such as {@code WINCH} or {@code URG}. Refused, each with an
 * {@link IllegalArgumentException} that says why:
 * <ul>
 *   <li>{@code QUIT}, {@code SEGV}, {@code ILL}, {@code FPE}, {@code KILL}, {@code STOP}: the JVM or the OS will not
 *       let them go;</li>
 *   <li>{@code USR2}, {@code PIPE}, {@code XFSZ}, {@code BUS}: the JVM's own handlers, refused without being touched
 *       (HotSpot suspends threads with {@code USR2});</li>
 *   <li>{@code HUP}, {@code INT}, {@code TERM}: they ask the process to end (the JVM runs its shutdown hooks and
 *       exits), refused even with {@code -Xrs};</li>
 *   <li>any other signal that already has a handler, the application's or another {@code SignalDump}'s: put back
 *       at once;</li>
 *   <li>a name the platform does not know (Windows has no {@code USR1}).</li>
 * </ul>
 *
 * <h2>What a signal does</h2>
 * The JVM runs the handler on a new thread ({@code SIGUSR1 handler}). It writes the dump to a temporary file in the
 * directory and renames it to {@code tether-tasks-<pid>-<local time>-<n>.txt} when complete, so a program that
 * watches the directory never reads half a dump; then it logs the file's path at INFO
 * ({@link System.Logger}, {@code dev.tether.leakprof.ondemand.SignalDump}). Signals that arrive during a dump
 * wait for it: dumps are written one at a time. A failure (a full disk) is logged at WARNING and the handler stays
 * installed.
 *
 * <p>{@link #close()} restores the handler that was there before. Uses {@code sun.misc.Signal} (module
 * {@code jdk.unsupported}, readable without flags).
 */
public final class SignalDump implements AutoCloseable {
    /** The signal {@link #install(Path)} takes. */
    public static final String DEFAULT_SIGNAL = "USR1";

    private static final System.Logger LOG = System.getLogger(SignalDump.class.getName());
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS",
            Locale.ROOT);
    /**
     * Signals HotSpot installs handlers for on Linux and macOS (USR2: thread suspension; PIPE and XFSZ: turned into
     * I/O errors; BUS: faults on mapped files). Any other handled signal is caught after the fact, below.
     */
    private static final Set<String> JVM_SIGNALS = Set.of("USR2", "PIPE", "XFSZ", "BUS");
    /** Numbers dump files across handlers, so two signals dumping to one directory in one millisecond differ. */
    private static final AtomicLong FILES = new AtomicLong();
    /** Installed dumps by signal name, guarded by itself: for clear refusals and a safe close. */
    private static final Map<String, SignalDump> INSTALLED = new HashMap<>();

    private final Signal signal;
    private final Path directory;
    private final SignalHandler handler = this::handle;
    private final SignalHandler previous;
    private final ReentrantLock writing = new ReentrantLock();
    private final AtomicLong written = new AtomicLong();
    private boolean closed; // guarded by INSTALLED

    private SignalDump(Signal signal, Path directory) {
        this.signal = signal;
        this.directory = directory;
        this.previous = Signal.handle(signal, handler);
    }

    /**
     * Writes the full dump to {@code directory} on {@value #DEFAULT_SIGNAL}: {@code install("USR1", directory)}.
     *
     * @throws IllegalArgumentException see {@link #install(String, Path)}
     */
    public static SignalDump install(Path directory) {
        return install(DEFAULT_SIGNAL, directory);
    }

    /**
     * Writes the full dump to a new file in {@code directory} whenever the process receives {@code signal}
     * ({@code "USR1"} or {@code "SIGUSR1"}, any case).
     *
     * @throws IllegalArgumentException if {@code directory} does not exist or is not a writable directory; if the
     *                                  signal is unknown, reserved by the JVM or the OS, or already handled (see
     *                                  the class comment)
     */
    public static SignalDump install(String signal, Path directory) {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(directory, "directory");
        Path dir = directory.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("the dump directory " + dir + " does not exist or is not a directory");
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException("the dump directory " + dir + " is not writable");
        }
        String name = signal.strip().toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) name = name.substring(3);
        if (name.equals("HUP") || name.equals("INT") || name.equals("TERM")) {
            // Even where the JVM leaves them alone (-Xrs), whoever sends them expects the process to end.
            throw new IllegalArgumentException("SIG" + name + " asks the process to end and is not taken for dumps;"
                    + " use " + DEFAULT_SIGNAL);
        }
        if (JVM_SIGNALS.contains(name)) {
            // Refused before touching them: even for an instant, the JVM's handler must not be replaced (HotSpot
            // suspends threads with USR2).
            throw new IllegalArgumentException("SIG" + name + " is handled by the JVM itself and is not taken for"
                    + " dumps; use " + DEFAULT_SIGNAL);
        }
        Signal sig;
        try {
            sig = new Signal(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("SIG" + name + " is not a signal of this platform (" + e.getMessage()
                    + "); use " + DEFAULT_SIGNAL, e);
        }
        synchronized (INSTALLED) {
            SignalDump other = INSTALLED.get(name);
            if (other != null) {
                throw new IllegalArgumentException("SIG" + name + " already writes task dumps (to "
                        + other.directory + "): close that SignalDump first");
            }
            SignalDump d;
            try {
                d = new SignalDump(sig, dir);
            } catch (IllegalArgumentException e) {
                // HotSpot: "Signal already used by VM or OS" (QUIT, SEGV, ILL, FPE, KILL, STOP).
                throw new IllegalArgumentException("SIG" + name + " cannot be handled: " + e.getMessage()
                        + "; use " + DEFAULT_SIGNAL, e);
            }
            if (d.previous != SignalHandler.SIG_DFL && d.previous != SignalHandler.SIG_IGN) {
                Signal.handle(sig, d.previous); // put it back: someone relies on it
                throw new IllegalArgumentException("SIG" + name + " is already handled (" + describe(d.previous)
                        + "), and replacing its handler could break the JVM or the application; use a free signal"
                        + " such as " + DEFAULT_SIGNAL);
            }
            INSTALLED.put(name, d);
            return d;
        }
    }

    private static String describe(SignalHandler h) {
        String s = String.valueOf(h);
        if (s.contains("NativeHandler")) return "by the JVM itself";
        if (s.contains("Terminator")) return "by the JVM: it runs the shutdown hooks and exits";
        return "by " + s;
    }

    /** The signal, without {@code SIG}: {@code "USR1"}. */
    public String signal() {
        return signal.getName();
    }

    /** Where dumps are written (absolute). */
    public Path directory() {
        return directory;
    }

    /** How many dumps this handler has written. */
    public long dumpsWritten() {
        return written.get();
    }

    /**
     * Writes a dump now, as the signal would, and returns its file.
     *
     * @throws IOException if it cannot be written (nothing is left behind)
     */
    public Path dumpNow() throws IOException {
        writing.lock();
        try {
            long n = FILES.incrementAndGet();
            String base = "tether-tasks-" + ProcessHandle.current().pid() + "-" + TIME.format(LocalDateTime.now())
                    + "-" + n;
            Path tmp = directory.resolve("." + base + ".tmp");
            Path file = directory.resolve(base + ".txt");
            DumpFiles.write(DumpFiles.Kind.FULL, tmp);
            try {
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file);
                }
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            written.incrementAndGet();
            return file;
        } finally {
            writing.unlock();
        }
    }

    /** On the JVM's signal-handler thread: never throws, which would only end that thread with a trace. */
    private void handle(Signal sig) {
        try {
            Path file = dumpNow();
            LOG.log(System.Logger.Level.INFO, "SIG{0}: wrote the task dump to {1}", sig.getName(), file);
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.WARNING, "SIG" + sig.getName() + ": could not write the task dump to "
                    + directory, e);
        }
    }

    /**
     * Restores the signal's previous handler (the default, or "ignore"), unless something replaced this one since,
     * which is then left in place. Idempotent. A dump in progress completes.
     */
    @Override
    public void close() {
        synchronized (INSTALLED) {
            if (closed) return;
            closed = true;
            INSTALLED.remove(signal.getName());
            SignalHandler current = Signal.handle(signal, previous);
            if (current != handler) Signal.handle(signal, current); // not ours any more: theirs stays
        }
    }

    @Override
    public String toString() {
        return "SignalDump[SIG" + signal.getName() + " -> " + directory + "]";
    }
}
