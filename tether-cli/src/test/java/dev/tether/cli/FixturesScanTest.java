package dev.tether.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scan of real dumps, checked against their ground truth: every leak is found at its blocking line with its
 * exact count, in every format; with the default thresholds the suspects are leaks and nothing else; deadlocks are
 * reported where the dump shows them.
 */
class FixturesScanTest {

    @ParameterizedTest
    @ValueSource(strings = {"chanleaks", "syncleaks", "httpleak"})
    void everyGoLeakIsASiteWithItsCountInEveryFormat(String fixture) {
        JsonNode truth = Cli.expected("go", fixture);
        for (String format : List.of("debug0", "debug1", "debug2")) {
            Path dump = Cli.fixtures().resolve("go").resolve(truth.get("files").get(format).asText());
            Cli c = Cli.run("--min-count", "1", dump.toString());
            assertEquals(1, c.json().get("summary").get("scanned").asInt(), dump + ": " + c.out());
            for (JsonNode leak : truth.get("leaks")) {
                JsonNode f = leak.get("blocking_frame");
                String what = dump.getFileName() + " " + leak.get("id").asText();
                JsonNode site = c.site(f.get("function").asText(), f.get("line").asInt());
                assertNotNull(site, what + ": no site at " + f + "\n" + c.out());
                assertEquals(f.get("file").asText(), site.get("file").asText(), what);
                assertEquals(leak.get("count").asLong(), site.get("count").asLong(), what + ": count");
                assertTrue(site.get("suspect").asBoolean(), what + ": at --min-count 1 every leak is a suspect");
                if (!format.equals("debug1")) {
                    // debug=2 says the wait; pprof shows the runtime's frames that say it.
                    String reason = leak.get("wait_reason").asText();
                    assertEquals(reason.equals("chan receive (nil chan)") && format.equals("debug0") ? "chan receive"
                            : reason, site.get("waitReason").asText(), what + ": wait");
                }
                if (format.equals("debug2") && !leak.get("wait_minutes_debug2").isNull()) {
                    assertEquals(60.0 * leak.get("wait_minutes_debug2").asInt(),
                            site.get("oldestWaitSeconds").asDouble(), what + ": oldest wait");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"chanleaks", "syncleaks", "httpleak"})
    void withDefaultThresholdsGoSuspectsAreLeaksOnly(String fixture) {
        JsonNode truth = Cli.expected("go", fixture);
        Set<String> leakSites = new HashSet<>();
        List<String> expected = new ArrayList<>();
        for (JsonNode leak : truth.get("leaks")) {
            JsonNode f = leak.get("blocking_frame");
            String site = f.get("function").asText() + ":" + f.get("line").asInt();
            leakSites.add(site);
            // debug=2 dates the waits of these fixtures (1 minute): every leak reaches --min-wait 1m or the count.
            if (leak.get("count").asInt() >= 10 || !leak.get("wait_minutes_debug2").isNull()) expected.add(site);
        }
        Path dump = Cli.fixtures().resolve("go").resolve(truth.get("files").get("debug2").asText());
        Cli c = Cli.run(dump.toString());
        Set<String> suspects = new HashSet<>();
        for (JsonNode s : c.suspects()) suspects.add(s.get("function").asText() + ":" + s.get("line").asInt());
        assertTrue(leakSites.containsAll(suspects), "suspects that are not leaks: " + suspects + "\n" + c.out());
        assertEquals(Set.copyOf(expected), suspects, c.out());
        assertEquals(suspects.isEmpty() ? 0 : 1, c.exit());
    }

    @ParameterizedTest
    @ValueSource(strings = {"queueleaks", "lockdeadlocks"})
    void everyJvmLeakIsASiteWithItsCountInEveryFormat(String fixture) {
        JsonNode truth = Cli.expected("jvm", fixture);
        truth.get("files").properties().forEach(file -> {
            Path dump = Cli.fixtures().resolve("jvm").resolve(file.getValue().asText());
            boolean jstack = file.getKey().contains("jstack");
            Cli c = Cli.run("--min-count", "1", dump.toString());
            assertEquals(1, c.json().get("summary").get("scanned").asInt(), dump + ": " + c.out());
            for (JsonNode leak : truth.get("leaks")) {
                JsonNode f = leak.get("blocking_frame");
                if (f == null || f.isNull() || !leak.get("is_leak").asBoolean()) continue;
                String what = dump.getFileName() + " " + leak.get("id").asText();
                JsonNode site = c.site(f.get("class").asText() + "." + f.get("method").asText(), f.get("line").asInt());
                if (jstack && !leak.path("in_jstack").asBoolean(true)) {
                    assertEquals(null, site, what + ": jstack does not list unmounted virtual threads");
                    continue;
                }
                assertNotNull(site, what + ": no site at " + f + "\n" + c.out());
                assertEquals(leak.get("count").asLong(), site.get("count").asLong(), what + ": count");
            }
            for (JsonNode s : c.suspects()) {
                assertFalse(s.get("waitReason").asText().equals("sleep"), dump + ": a sleeping main is no suspect");
            }
        });
    }

    @Test
    void jvmSuspectsWithDefaultThresholdsAreTheLargeLeaks() {
        Path dump = Cli.fixtures().resolve("jvm/queueleaks.jdk25.threaddump.json");
        Cli c = Cli.run(dump.toString());
        List<String> suspects = c.suspects().stream().map(s -> s.get("function").asText() + ":" + s.get("line")
                .asInt() + " " + s.get("count").asInt()).toList();
        assertEquals(List.of("demo.QueueLeaks.publish:45 300", "demo.QueueLeaks.consume:49 20"), suspects, c.out());
        assertEquals(1, c.exit());
    }

    @Test
    void idlePoolThreadsGroupAtTheExecutorNotInsideTheQueue() {
        Cli c = Cli.run("--min-count", "1", Cli.fixtures().resolve("jvm/queueleaks.jdk25.threaddump.json").toString());
        JsonNode pool = c.site("java.util.concurrent.ThreadPoolExecutor.getTask", 1016);
        assertNotNull(pool, c.out());
        assertEquals(4, pool.get("count").asInt());
        assertEquals("queue take", pool.get("waitReason").asText());
        assertTrue(pool.get("creators").get(0).get("creator").asText().startsWith("pool-#-thread-#"), pool.toString());
    }

    @Test
    void jstackDeadlocksAreTheJvmsOwnReportBothMonitorAndReentrantLock() {
        for (String file : List.of("lockdeadlocks.jdk25.jstack.txt", "lockdeadlocks.jdk17.jstack.txt")) {
            Cli c = Cli.run(Cli.fixtures().resolve("jvm").resolve(file).toString());
            assertEquals(1, c.exit(), "deadlocks make the exit code 1");
            Set<Set<String>> cycles = new HashSet<>();
            for (JsonNode d : c.json().get("deadlocks")) {
                assertEquals(WaitForGraph.REPORTED, d.get("source").asText());
                Set<String> threads = new HashSet<>();
                for (JsonNode l : d.get("links")) {
                    threads.add(l.get("thread").asText());
                    assertNotNull(l.get("site"), file + ": the site of " + l);
                }
                cycles.add(threads);
            }
            assertEquals(Set.of(Set.of("transfer-A-to-B", "transfer-B-to-A"), Set.of("inventory-writer", "order-writer")),
                    cycles, file);
            assertTrue(c.out().contains("DEADLOCKS"), c.out());
        }
    }

    @Test
    void jsonAndPlainDumpsShowTheMonitorCycleInTheirWaitForGraph() {
        for (String file : List.of("lockdeadlocks.jdk25.threaddump.json", "lockdeadlocks.jdk25.threaddump.txt")) {
            Cli c = Cli.run(Cli.fixtures().resolve("jvm").resolve(file).toString());
            JsonNode deadlocks = c.json().get("deadlocks");
            assertEquals(1, deadlocks.size(), file + ": only monitors' owners are in these dumps\n" + c.out());
            assertEquals(WaitForGraph.INFERRED, deadlocks.get(0).get("source").asText());
            JsonNode links = deadlocks.get(0).get("links");
            assertEquals(links.get(0).get("heldBy").asText(), links.get(1).get("thread").asText());
            assertEquals(links.get(1).get("heldBy").asText(), links.get(0).get("thread").asText());
            assertEquals("demo.LockDeadlocks.transfer", links.get(0).get("site").get("function").asText());
        }
    }

    @Test
    void queueLeaksHaveNoDeadlock() {
        for (Path dump : Cli.dumps("jvm", "queueleaks")) {
            Cli c = Cli.run(dump.toString());
            assertEquals(0, c.json().get("deadlocks").size(), dump.toString());
        }
    }

    @Test
    void goCrashOutputIsScannedToo() {
        Cli c = Cli.run("--min-count", "1", Cli.fixtures().resolve("go/deadlock.stderr.txt").toString(),
                Cli.fixtures().resolve("go/crashpanic.stderr.txt").toString());
        assertEquals(2, c.json().get("summary").get("scanned").asInt(), c.out());
        assertEquals("GO_CRASH", c.instance(0).get("format").asText());
        assertTrue(c.json().get("sites").size() > 0);
    }

    @Test
    void theSameSiteInManyInstancesIsOneSiteCountedPerInstance() {
        List<Path> dumps = Cli.dumps("go", "chanleaks");
        List<String> args = new ArrayList<>(dumps.stream().map(Path::toString).toList());
        Cli c = Cli.run(args.toArray(String[]::new));
        JsonNode sender = c.site("main.fetchQuote.func1", 48);
        assertEquals(3, sender.get("instanceCount").asInt(), "debug0, debug1 and debug2 are three instances");
        assertEquals(120, sender.get("count").asInt());
        sender.get("instances").forEach(n -> assertEquals(40, n.asInt()));
        assertEquals("chan send", sender.get("waitReason").asText(), "debug=1's unknown wait takes the others' name");
        assertEquals(1, c.suspects().indexOf(sender) >= 0 ? 1 : 0);
    }
}
