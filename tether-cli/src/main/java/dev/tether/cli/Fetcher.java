package dev.tether.cli;

import dev.tether.CancelContext;
import dev.tether.CancelledException;
import dev.tether.Context;
import dev.tether.DeadlineExceededException;
import dev.tether.Group;
import dev.tether.Task;
import dev.tether.TaskFailedException;
import dev.tether.profile.Entry;
import dev.tether.profile.Snapshot;
import dev.tether.profile.SnapshotFormatException;
import dev.tether.profile.Snapshots;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Gets the dump of a {@link Target}: reads a file, fetches an endpoint, or has {@code jcmd} dump a local JVM.
 *
 * <p>Every attempt at an endpoint or a JVM runs as a Tether task under a deadline: when it passes, the task's
 * context is cancelled, which interrupts whatever the attempt is blocked in (connecting, reading the body, waiting
 * for {@code jcmd}), so a stuck target costs at most {@code timeout} per attempt. Endpoints are retried after
 * connection failures, timeouts and 5xx or 429 answers, with a doubling back-off; a dump that is not valid is not
 * retried: asking again gives the same answer.
 */
final class Fetcher implements AutoCloseable {

    /** Why a target could not be scanned, in words for the report; no stack trace is worth showing. */
    static final class TargetException extends Exception {
        TargetException(String message) {
            super(message, null, false, false);
        }
    }

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final HttpClient http;
    private final Duration timeout;
    private final int retries;
    private final Path jcmd;
    private final String token;

    /**
     * @param timeout how long one attempt may take
     * @param retries how many times a failed attempt is repeated
     * @param token   a bearer token to send to endpoints, or null
     */
    Fetcher(Duration timeout, int retries, String token) {
        this.timeout = timeout;
        this.retries = retries;
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        this.jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    }

    /**
     * The dump of {@code target}.
     *
     * @throws TargetException      if it cannot be had, saying why
     * @throws InterruptedException if the scan is cancelled
     */
    Snapshot fetch(Target target) throws TargetException, InterruptedException {
        return switch (target) {
            case Target.File f -> file(f);
            case Target.Url u -> withRetries(u, () -> url(u));
            case Target.Pid p -> jvm(p);
            case Target.Invalid i -> throw new TargetException(i.problem());
        };
    }

    private static Snapshot file(Target.File f) throws TargetException {
        try (InputStream in = Files.newInputStream(f.path())) {
            return Snapshots.read(in, f.spec());
        } catch (SnapshotFormatException e) {
            throw new TargetException(withoutSource(e, f.spec()));
        } catch (IOException e) {
            throw new TargetException("cannot read: " + e);
        }
    }

    // ---- endpoints

    /** An HTTP answer that another attempt would not change (a 404, a 401): not retried. */
    private static final class Rejected extends IOException {
        Rejected(String message) {
            super(message);
        }
    }

    private Snapshot url(Target.Url u) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(u.uri()).timeout(timeout).header("Accept-Encoding", "gzip");
        if (token != null) b.header("Authorization", "Bearer " + token);
        HttpRequest request = b.GET().build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (status != 200) {
                String text = new String(body.readNBytes(200), StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
                String message = "HTTP " + status + (text.isEmpty() ? "" : ": " + text);
                if (status >= 500 || status == 429) throw new IOException(message); // retried
                throw new Rejected(message);
            }
            return Snapshots.read(body, u.uri().toString());
        }
    }

    private Snapshot withRetries(Target t, Callable<Snapshot> attempt) throws TargetException, InterruptedException {
        Duration backoff = FIRST_BACKOFF;
        for (int i = 0; ; i++) {
            String problem;
            try {
                return within(attempt);
            } catch (SnapshotFormatException e) {
                throw new TargetException(withoutSource(e, t.spec()));
            } catch (Rejected e) {
                throw new TargetException(e.getMessage());
            } catch (IOException e) {
                problem = describe(e);
            }
            if (i >= retries) {
                throw new TargetException(problem + (retries > 0 ? " (after " + (i + 1) + " attempts)" : ""));
            }
            Thread.sleep(backoff);
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** An attempt that did not finish before its deadline. */
    private static final class TimedOut extends IOException {
        TimedOut(Duration timeout) {
            super("timed out after " + Text.duration(timeout));
        }
    }

    /**
     * Runs {@code attempt} as a task whose context ends at the deadline; the end interrupts the attempt.
     *
     * @throws TimedOut if the deadline passed first
     */
    private <T> T within(Callable<T> attempt) throws IOException, InterruptedException {
        try (CancelContext deadline = Context.current().withTimeout(timeout); Group g = Group.open(deadline)) {
            Task<T> task = g.go(attempt);
            try {
                g.join();
                return task.join();
            } catch (TaskFailedException e) {
                if (deadline.err() instanceof DeadlineExceededException) throw new TimedOut(timeout);
                if (e.getCause() instanceof IOException io) throw io;
                if (e.getCause() instanceof UncheckedIOException io) throw io.getCause();
                throw new IOException(String.valueOf(e.getCause()), e.getCause());
            } catch (CancelledException e) {
                if (deadline.err() instanceof DeadlineExceededException && !Context.current().isDone()) {
                    throw new TimedOut(timeout);
                }
                throw new InterruptedException("scan cancelled");
            }
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof ConnectException) return "connection refused";
        if (e instanceof java.net.http.HttpConnectTimeoutException) return "connect timed out";
        if (e instanceof java.net.http.HttpTimeoutException) return "timed out waiting for the response";
        if (e instanceof java.net.UnknownHostException) return "unknown host " + m;
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** A format error's message without the source, which the report names already. */
    private static String withoutSource(SnapshotFormatException e, String spec) {
        String m = e.getMessage();
        String source = e.source() + ": ";
        return m.startsWith(source) ? m.substring(source.length()) : m;
    }

    // ---- local JVMs

    /**
     * Dumps JVM {@code p} with {@code jcmd <pid> Thread.dump_to_file -format=json}, which lists virtual threads
     * too. If it parks threads on ownable synchronizers (whose owners the JSON dump does not give), also takes
     * {@code jcmd <pid> Thread.print -l}, for the JVM's own deadlock report. A JVM older than 21, which has no
     * {@code Thread.dump_to_file}, is dumped with {@code Thread.print -l} alone.
     */
    private Snapshot jvm(Target.Pid p) throws TargetException, InterruptedException {
        long pid = p.pid();
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow(() -> new TargetException("no process with id "
                + pid));
        String command = process.info().command().orElse("?");
        Path maps = Path.of("/proc", Long.toString(pid), "maps");
        if (Files.isReadable(maps) && !mapsJvm(maps)) {
            throw new TargetException("process " + pid + " is not a JVM (" + command + ")");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("tether-leakprof-");
            Path json = dir.resolve("threads.json");
            Jcmd dump = jcmd(pid, dir.resolve("dump.out"), "Thread.dump_to_file", "-format=json", json.toString());
            if (dump.exit == 0 && Files.exists(json)) {
                Snapshot s;
                try (InputStream in = Files.newInputStream(json)) {
                    s = Snapshots.read(in, p.name());
                }
                if (!parksOnSynchronizers(s)) return s;
                Snapshot jstack = threadPrint(p, dir);
                return new Snapshot(s.metadata(), s.entries(), jstack.deadlocks());
            }
            if (dump.output.contains("Unknown diagnostic command")) return threadPrint(p, dir);
            throw new TargetException("jcmd could not dump process " + pid + " (" + command + "): "
                    + firstLines(dump.output));
        } catch (SnapshotFormatException e) {
            throw new TargetException(withoutSource(e, p.name()));
        } catch (IOException e) {
            throw new TargetException("jcmd failed: " + describe(e));
        } finally {
            deleteQuietly(dir);
        }
    }

    private Snapshot threadPrint(Target.Pid p, Path dir) throws IOException, InterruptedException, TargetException {
        Path out = dir.resolve("jstack.txt");
        Jcmd print = jcmd(p.pid(), out, "Thread.print", "-l");
        if (print.exit != 0) {
            throw new TargetException("jcmd could not dump process " + p.pid() + ": " + firstLines(print.output));
        }
        try (InputStream in = Files.newInputStream(out)) {
            return Snapshots.read(in, p.name());
        }
    }

    private record Jcmd(int exit, String output) {
    }

    /** Runs jcmd with its output in {@code out} (a file: no pipe to drain), waiting at most the timeout. */
    private Jcmd jcmd(long pid, Path out, String... command) throws IOException, InterruptedException, TargetException {
        List<String> args = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
        args.addAll(List.of(command));
        Process proc = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            if (!proc.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new TargetException("jcmd " + command[0] + " timed out after " + Text.duration(timeout)
                        + " (is process " + pid + " a responsive JVM run by this user?)");
            }
        } finally {
            proc.destroyForcibly();
        }
        return new Jcmd(proc.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private static boolean mapsJvm(Path maps) {
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.anyMatch(l -> l.endsWith("/libjvm.so"));
        } catch (IOException | UncheckedIOException e) {
            return true; // cannot tell: let jcmd say
        }
    }

    private static boolean parksOnSynchronizers(Snapshot s) {
        for (Entry e : s.entries()) {
            if (e.parkBlocker().map(b -> b.className().endsWith("Sync")).orElse(false)) return true;
        }
        return false;
    }

    private static String firstLines(String output) {
        String s = output.lines().filter(l -> !l.isBlank() && !l.matches("\\d+:")).limit(3)
                .reduce((a, b) -> a + " / " + b).orElse("no output");
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) return;
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
