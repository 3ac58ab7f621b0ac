package dev.tether.leakprof.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real {@code go tool pprof} fetches {@code /debug/pprof/goroutine} from {@link DebugServer} over HTTP, as it
 * fetches it from a Go program, and shows the tasks at their blocking functions. It needs Go: a missing {@code go}
 * fails the test (it is not skipped), so that CI, whose {@code .ci/run} installs {@code golang-go}, always checks.
 */
@Timeout(180)
class GoToolPprofEndpointTest {

    private static final int SENDERS = 7;
    private static final String SITE = Senders.class.getName() + ".sendsForever";

    @TempDir
    static Path dir;
    private static Senders senders;
    private static DebugServer server;

    @BeforeAll
    static void start() throws IOException {
        senders = new Senders(SENDERS);
        server = DebugServer.builder().start();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (senders != null) senders.close();
    }

    @Test
    void rawShowsTheGoroutineCountSamplesWithTheBlockingFunction() {
        String raw = pprof("-raw", server.uri().resolve("debug/pprof/goroutine"));
        assertTrue(raw.contains("PeriodType: goroutine count"), raw);
        assertTrue(raw.contains("goroutine/count"), raw);
        assertTrue(raw.contains("dev.tether.Channel.send dev/tether/Channel.java:"), raw);
        assertTrue(raw.contains(SITE + " dev/tether/leakprof/http/Senders.java:" + Senders.SEND_LINE), raw);
    }

    @Test
    void topCountsTheTasksAtTheirBlockingFunction() {
        String top = pprof("-top", server.uri().resolve("debug/pprof/goroutine"));
        assertTrue(top.contains("Type: goroutine"), top);
        // flat = tasks whose innermost frame it is; cum = tasks with it anywhere on the stack
        assertRow(top, 0, SENDERS, SITE);
        assertTrue(Pattern.compile("(?m)^\\s*\\d+\\s+\\S+%\\s+\\S+%\\s+\\d+\\s+\\S+%\\s+dev\\.tether\\.Channel\\.send$")
                .matcher(top).find(), top);
    }

    private static void assertRow(String top, int flat, int cum, String function) {
        Pattern row = Pattern.compile("(?m)^\\s*" + flat + "\\s+\\S+%\\s+\\S+%\\s+" + cum + "\\s+\\S+%\\s+"
                + Pattern.quote(function) + "$");
        assertTrue(row.matcher(top).find(), "-top has no row flat=" + flat + " cum=" + cum + " " + function + ":\n" + top);
    }

    /** Runs {@code go tool pprof <option> <url>} (bounded) and returns its output; fails if it fails. */
    static String pprof(String option, URI url) {
        return pprof(dir, option, url);
    }

    static String pprof(Path dir, String option, URI url) {
        Path go = findGo();
        Path out = dir.resolve("pprof" + option + System.nanoTime() + ".out");
        List<String> command = List.of(go.toString(), "tool", "pprof", option, url.toString());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("PPROF_TMPDIR", dir.toString()); // where pprof saves what it fetched
        pb.environment().putIfAbsent("HOME", dir.toString());
        pb.environment().putIfAbsent("GOCACHE", dir.resolve("gocache").toString());
        pb.environment().remove("http_proxy");
        pb.environment().remove("HTTP_PROXY");
        pb.environment().put("NO_PROXY", "127.0.0.1,localhost");
        pb.environment().put("no_proxy", "127.0.0.1,localhost");
        try {
            Process p = pb.start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                fail(String.join(" ", command) + " did not finish in 90 s:\n" + Files.readString(out));
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + text);
            assertTrue(text.contains("Fetching profile over HTTP from " + url), text);
            return text;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** {@code go} on the PATH; its absence fails the test: this check must run, not be skipped. */
    private static Path findGo() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (d.isEmpty()) continue;
                Path go = Path.of(d, "go");
                if (Files.isExecutable(go) && !Files.isDirectory(go)) return go;
            }
        }
        return fail("Go is needed to check pprof compatibility, but 'go' is not on the PATH (" + path + "): install it"
                + " (apt-get install -y golang-go; .ci/run does this) and run the tests again");
    }
}
