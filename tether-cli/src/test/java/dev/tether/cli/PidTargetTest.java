package dev.tether.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Local JVMs as targets, dumped with jcmd; and process ids that are no JVM, or no process. */
class PidTargetTest {

    @Test
    void aLocalJvmIsDumpedWithJcmdAndItsDeadlockIsTheJvmsOwnReport() throws Exception {
        Path classes = Path.of(LeakyJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classes.toString(), LeakyJvm.class.getName()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream()));
            CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (Exception e) {
                    return e.toString();
                }
            });
            assertEquals("ready", ready.get(60, TimeUnit.SECONDS));

            Cli c = Cli.run("--min-count", "5", "pid:" + jvm.pid());
            JsonNode instance = c.instance(0);
            assertEquals("JDK_JSON", instance.get("format").asText(), instance.toString());
            assertEquals("pid " + jvm.pid(), instance.get("name").asText());
            JsonNode site = c.site(LeakyJvm.class.getName() + ".publish", lineOf("q.put(v);"));
            assertNotNull(site, c.out());
            assertEquals(LeakyJvm.SENDERS, site.get("count").asInt());
            assertEquals("queue put", site.get("waitReason").asText());
            assertTrue(site.get("suspect").asBoolean());

            JsonNode deadlocks = c.json().get("deadlocks");
            assertEquals(1, deadlocks.size(), c.out());
            assertEquals(WaitForGraph.REPORTED, deadlocks.get(0).get("source").asText(),
                    "the JSON dump does not give a ReentrantLock's owner: jstack's report does");
            Set<String> threads = new HashSet<>();
            deadlocks.get(0).get("links").forEach(l -> threads.add(l.get("thread").asText()));
            assertEquals(Set.of("order-writer", "inventory-writer"), threads);
            assertEquals(1, c.exit());
        } finally {
            jvm.destroyForcibly();
            jvm.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProcessThatIsNoJvmIsReportedAsSuch() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "60").start();
        try {
            Cli c = Cli.run("pid:" + sleep.pid());
            String error = c.instance(0).get("error").asText();
            assertTrue(error.contains("is not a JVM") && error.contains("sleep"), error);
            assertEquals(2, c.exit());
        } finally {
            sleep.destroyForcibly();
            sleep.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPidWithNoProcessIsReported() {
        long pid = 4_194_000;
        while (ProcessHandle.of(pid).isPresent()) pid--;
        Cli c = Cli.run("pid:" + pid);
        assertEquals("no process with id " + pid, c.instance(0).get("error").asText());
    }

    private static int lineOf(String code) throws Exception {
        String src = java.nio.file.Files.readString(Path.of("src/test/java/dev/tether/cli/LeakyJvm.java"));
        return (int) src.substring(0, src.indexOf(code)).chars().filter(ch -> ch == '\n').count() + 1;
    }
}
