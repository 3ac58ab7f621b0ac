package dev.tether.profile;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real {@code go tool pprof} reads the profile Tether writes of its own live tasks, and shows their counts and
 * blocking functions. It needs Go: a missing {@code go} fails the test (it is not skipped), so that CI, whose
 * {@code .ci/run} installs {@code golang-go}, always checks compatibility.
 */
@Timeout(120)
class GoToolPprofTest {

    private static final int SCALE = 2; // 12 senders, 8 receivers, 4 selects
    private static final String SITE = BlockedTasks.class.getName();

    @TempDir
    static Path dir;
    private static Path profile;

    @BeforeAll
    static void writeAProfileOfLiveTasks() throws IOException {
        profile = dir.resolve("tasks.pb.gz");
        try (BlockedTasks tasks = new BlockedTasks(SCALE); OutputStream out = Files.newOutputStream(profile)) {
            Snapshot s = TaskSnapshots.capture();
            assertEquals(tasks.total, s.entries().stream().filter(tasks::owns).count(), "every task captured");
            Snapshots.write(s, Format.GO_PPROF, out);
        }
    }

    @Test
    void topCountsTheTasksAtTheirBlockingFunctions() {
        String top = pprof("-top");
        assertTrue(top.contains("Type: goroutine"), top);
        // flat = tasks whose innermost frame it is; cum = tasks with it anywhere on the stack
        assertRow(top, 6 * SCALE, 6 * SCALE, "dev.tether.Channel.send");
        assertRow(top, 4 * SCALE, 4 * SCALE, "dev.tether.Channel.receive");
        assertRow(top, 2 * SCALE, 2 * SCALE, "dev.tether.Select.select");
        assertRow(top, 0, 6 * SCALE, SITE + ".sendsForever");
        assertRow(top, 0, 4 * SCALE, SITE + ".receivesForever");
        assertRow(top, 0, 2 * SCALE, SITE + ".selectsForever");
    }

    @Test
    void tracesShowEachGroupWithItsWaitReasonOwnerAndStack() {
        String traces = pprof("-traces");
        List<String> blocks = List.of(traces.split("-----------\\+-+\n"));
        String send = only(blocks, "dev.tether.Channel.send");
        assertTrue(Pattern.compile("(?m)^\\s+" + 6 * SCALE + "\\s+dev\\.tether\\.Channel\\.send$").matcher(send).find(), send);
        assertTrue(Pattern.compile("(?m)^\\s*wait_reason:\\s+chan send$").matcher(send).find(), send);
        assertTrue(Pattern.compile("(?m)^\\s*state:\\s+waiting$").matcher(send).find(), send);
        assertTrue(Pattern.compile("(?m)^\\s*owner:\\s+scope \\d+ \"" + BlockedTasks.SCOPE_NAME + "\"$").matcher(send)
                .find(), send);
        assertTrue(send.contains(SITE + ".sendsForever"), send);
        String receive = only(blocks, "dev.tether.Channel.receive");
        assertTrue(Pattern.compile("(?m)^\\s+" + 4 * SCALE + "\\s+dev\\.tether\\.Channel\\.receive$").matcher(receive)
                .find(), receive);
        assertTrue(receive.contains("wait_reason:  chan receive"), receive);
        String select = only(blocks, "dev.tether.Select.select");
        assertTrue(select.contains("wait_reason:  select") && select.contains(SITE + ".selectsForever"), select);
    }

    @Test
    void rawShowsGoroutineCountSamplesAndSourcePaths() {
        String raw = pprof("-raw");
        assertTrue(raw.contains("PeriodType: goroutine count"), raw);
        assertTrue(raw.contains("Period: 1"), raw);
        assertTrue(raw.contains("goroutine/count"), raw);
        assertTrue(raw.contains(SITE + ".sendsForever dev/tether/profile/BlockedTasks.java:"
                + BlockedTasks.lineOf("SEND-LINE")), raw);
    }

    private static void assertRow(String top, int flat, int cum, String function) {
        Pattern row = Pattern.compile("(?m)^\\s*" + flat + "\\s+\\S+%\\s+\\S+%\\s+" + cum + "\\s+\\S+%\\s+"
                + Pattern.quote(function) + "$");
        assertTrue(row.matcher(top).find(), "-top has no row flat=" + flat + " cum=" + cum + " " + function + ":\n" + top);
    }

    private static String only(List<String> blocks, String leaf) {
        List<String> with = blocks.stream().filter(b -> b.contains(" " + leaf + "\n")).toList();
        assertEquals(1, with.size(), "one trace of " + leaf + " in:\n" + String.join("----\n", blocks));
        return with.getFirst();
    }

    /** Runs {@code go tool pprof <option> <profile>} (bounded) and returns its output; fails if it fails. */
    private static String pprof(String option) {
        Path go = findGo();
        Path out = dir.resolve("pprof" + option + ".out");
        List<String> command = new ArrayList<>(List.of(go.toString(), "tool", "pprof", option, profile.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("PPROF_TMPDIR", dir.toString());
        pb.environment().putIfAbsent("HOME", dir.toString());
        pb.environment().putIfAbsent("GOCACHE", dir.resolve("gocache").toString());
        try {
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + " did not finish in 60 s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + text);
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
