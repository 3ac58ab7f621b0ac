package dev.tether.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command as CI and cron use it: exit codes, usage errors, per-target errors, output formats, ignore rules. */
class CommandTest {

    private static String fixture(String path) {
        return Cli.fixtures().resolve(path).toString();
    }

    private static final String CLEAN = "goroutine 1 [running]:\nmain.main()\n\t/x/main.go:5 +0x1d\n";

    @Test
    void exitCodeIsZeroWhenNothingIsSuspicious(@TempDir Path dir) throws IOException {
        Path clean = Files.writeString(dir.resolve("clean.txt"), CLEAN);
        Cli c = Cli.run(clean.toString());
        assertEquals(0, c.exit(), c.out());
        assertTrue(c.out().contains("No suspects"), c.out());
    }

    @Test
    void exitCodeIsOneWhenSuspectsAreFound() {
        Cli c = Cli.run(fixture("go/chanleaks.debug2.txt"));
        assertEquals(1, c.exit());
        assertTrue(c.out().contains("SUSPECTS"), c.out());
        assertTrue(c.out().contains("main.fetchQuote.func1 (main.go:48)"), c.out());
    }

    @Test
    void exitCodeIsTwoOnlyWhenNothingCouldBeScanned(@TempDir Path dir) throws IOException {
        Path hello = Files.writeString(dir.resolve("hello.txt"), "hello world\n");
        Cli none = Cli.run(hello.toString(), dir.resolve("missing.txt").toString());
        assertEquals(2, none.exit(), none.out());
        assertTrue(none.out().contains("No target could be scanned"), none.out());
        Path clean = Files.writeString(dir.resolve("clean.txt"), CLEAN);
        Cli some = Cli.run(hello.toString(), clean.toString());
        assertEquals(0, some.exit(), "one target scanned cleanly: the failure is reported, not fatal\n" + some.out());
        assertTrue(some.out().contains("FAILED TARGETS"), some.out());
    }

    @Test
    void badInputIsReportedPerTargetWhileTheRestIsScanned(@TempDir Path dir) throws IOException {
        byte[] debug2 = Files.readAllBytes(Path.of(fixture("go/chanleaks.debug2.txt")));
        Path cut = Files.write(dir.resolve("cut.txt"), Arrays.copyOf(debug2, 10_000));
        Path unknown = Files.writeString(dir.resolve("notes.txt"), "hello world\n");
        byte[] pprof = Files.readAllBytes(Path.of(fixture("go/chanleaks.debug0.pb.gz")));
        Path cutGz = Files.write(dir.resolve("cut.pb.gz"), Arrays.copyOf(pprof, pprof.length / 2));
        Path empty = Files.write(dir.resolve("empty.txt"), new byte[0]);
        Cli c = Cli.run(cut.toString(), fixture("go/chanleaks.debug2.txt"), unknown.toString(), cutGz.toString(),
                empty.toString(), dir.resolve("gone.txt").toString(), "pid:abc");
        assertEquals(1, c.exit(), c.out());
        JsonNode instances = c.json().get("instances");
        assertEquals(7, instances.size());
        assertTrue(instances.get(0).get("error").asText().contains("truncated"), instances.get(0).toString());
        assertEquals("GO_DEBUG2", instances.get(1).get("format").asText());
        assertTrue(instances.get(2).get("error").asText().contains("not a dump this reader knows"), instances.toString());
        assertTrue(instances.get(3).get("error").asText().contains("truncated gzip"), instances.get(3).toString());
        assertFalse(instances.get(4).get("error").asText().isBlank());
        assertTrue(instances.get(5).get("error").asText().contains("no such file"));
        assertTrue(instances.get(6).get("error").asText().contains("expected pid:N"));
        assertEquals(6, c.json().get("summary").get("failed").asInt());
        for (int i : new int[]{0, 2, 3, 4, 5, 6}) {
            assertTrue(c.out().contains(instances.get(i).get("target").asText() + ": "), "listed: " + i + "\n" + c.out());
        }
    }

    @Test
    void usageErrorsExitWithTwoAndSayWhatIsExpected() {
        Cli none = Cli.plain();
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("no targets given"), none.err());
        Cli badDuration = Cli.plain("--min-wait", "soon", fixture("go/chanleaks.debug2.txt"));
        assertEquals(2, badDuration.exit());
        assertTrue(badDuration.err().contains("expected e.g. 500ms"), badDuration.err());
        Cli badRegex = Cli.plain("--ignore-name", "([", fixture("go/chanleaks.debug2.txt"));
        assertEquals(2, badRegex.exit());
        assertTrue(badRegex.err().contains("not a valid regular expression"), badRegex.err());
        Cli both = Cli.plain("--baseline", "a.json", "--interval", "1s", fixture("go/chanleaks.debug2.txt"));
        assertEquals(2, both.exit());
        assertTrue(both.err().contains("not both"), both.err());
        Cli unknown = Cli.plain("--frobnicate", fixture("go/chanleaks.debug2.txt"));
        assertEquals(2, unknown.exit());
        Cli zero = Cli.plain("--parallel", "0", fixture("go/chanleaks.debug2.txt"));
        assertEquals(2, zero.exit());
        assertTrue(zero.err().contains("--parallel must be at least 1"), zero.err());
    }

    @Test
    void helpListsTheExitCodes() {
        Cli help = Cli.plain("--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("Exit codes:") && help.out().contains("1   suspects or deadlocks found"),
                help.out());
    }

    @Test
    void jsonToStdoutReplacesTheTable() throws IOException {
        Cli c = Cli.plain("--json", "-", fixture("go/chanleaks.debug2.txt"));
        assertEquals(1, c.exit());
        JsonNode json = new ObjectMapper().readTree(c.out());
        assertEquals(JsonReport.SCHEMA, json.get("schema").asText());
        assertEquals(1, json.get("summary").get("exitCode").asInt());
        assertFalse(c.out().contains("SUSPECTS"));
    }

    @Test
    void theProgressBarGoesToStderrAndIsErasedAtTheEnd() {
        Cli c = Cli.plain("--progress", fixture("go/chanleaks.debug2.txt"), fixture("go/syncleaks.debug2.txt"));
        assertTrue(c.err().contains("2/2 targets"), c.err());
        assertTrue(c.err().contains("[" + "#".repeat(30) + "]"), c.err());
        assertTrue(c.err().endsWith("\r"), "erased: the report starts on a clean line");
        assertFalse(c.out().contains("targets, "), "nothing of the bar on stdout");
        Cli quiet = Cli.plain("--no-progress", fixture("go/chanleaks.debug2.txt"));
        assertEquals("", quiet.err());
    }

    @Test
    void aTargetGivenTwiceIsScannedOnce() {
        Cli c = Cli.run(fixture("go/chanleaks.debug2.txt"), fixture("go/chanleaks.debug2.txt"));
        assertEquals(1, c.json().get("instances").size());
        assertEquals(40, c.site("main.fetchQuote.func1", 48).get("count").asInt());
    }

    @Test
    void targetsFilesAndDirectoriesMixWithArguments(@TempDir Path dir) throws IOException {
        Path list = Files.writeString(dir.resolve("fleet.txt"), "# Go\n" + fixture("go/syncleaks.debug2.txt") + "\n"
                + fixture("jvm") + "\n");
        Cli c = Cli.run("--targets-file", list.toString(), fixture("go/chanleaks.debug2.txt"));
        assertEquals(fixture("go/chanleaks.debug2.txt"), c.instance(0).get("target").asText());
        assertEquals(fixture("go/syncleaks.debug2.txt"), c.instance(1).get("target").asText());
        assertTrue(c.json().get("instances").size() > 9, "the jvm directory's files");
        Cli missing = Cli.plain("--targets-file", dir.resolve("nope.txt").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("cannot read"), missing.err());
    }

    @Test
    void ignoreRulesLeaveGoroutinesAndThreadsOut() {
        String go = fixture("go/chanleaks.debug2.txt");
        assertNotNull(Cli.run(go).site("main.fetchQuote.func1", 48));
        assertNull(Cli.run("--ignore-site", "main.fetchQuote.func1", go).site("main.fetchQuote.func1", 48));
        assertNull(Cli.run("--ignore-creator", "main.fetchQuote", go).site("main.fetchQuote.func1", 48));
        assertNull(Cli.run("--ignore-frame", "main.fetch*", go).site("main.fetchQuote.func1", 48));
        assertNull(Cli.run("--ignore-top", "main.fetchQuote.func1", go).site("main.fetchQuote.func1", 48));
        String jvm = fixture("jvm/queueleaks.jdk25.threaddump.json");
        Cli all = Cli.run(jvm);
        assertNotNull(all.site("demo.QueueLeaks.publish", 45));
        Cli named = Cli.run("--ignore-name", "handoff-\\d+", jvm);
        assertNull(named.site("demo.QueueLeaks.publish", 45));
        assertEquals(all.instance(0).get("blocked").asInt() - 300, named.instance(0).get("blocked").asInt(),
                "the 300 handoff threads are not counted as blocked");
        Cli noDefaults = Cli.run("--no-default-ignores", jvm);
        assertTrue(noDefaults.instance(0).get("blocked").asInt() > all.instance(0).get("blocked").asInt(),
                "the JVM's service threads (Finalizer, Common-Cleaner, ...) are left out by default");
    }

    @Test
    void thresholdsDecideSuspectsAndTheReasonIsReported() {
        Cli c = Cli.run("--min-count", "30", "--min-wait", "2h", fixture("go/chanleaks.debug2.txt"));
        assertEquals(1, c.suspects().size());
        JsonNode s = c.suspects().getFirst();
        assertEquals("main.fetchQuote.func1", s.get("function").asText());
        assertEquals("count 40 >= 30", s.get("why").get(0).asText());
        Cli none = Cli.run("--min-count", "1000", "--min-wait", "2h", fixture("go/chanleaks.debug2.txt"));
        assertEquals(0, none.exit());
    }

    @Test
    void stacksAndAllShowMore() {
        Cli c = Cli.plain("--stacks", "--all", fixture("go/chanleaks.debug2.txt"));
        assertTrue(c.out().contains("most common stack (40)"), c.out());
        assertTrue(c.out().contains("OTHER BLOCKED SITES"), c.out());
    }
}
