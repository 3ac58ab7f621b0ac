package dev.tether.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tether.Channel;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;
import dev.tether.leakprof.LeakDetector;
import dev.tether.leakprof.metrics.TetherCollector;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fleet examples in {@code docs/fleet}: Prometheus' config, rules and rule tests pass {@code promtool}; the
 * rules use only metrics and labels that {@code tether-leakprof}'s {@link TetherCollector} exports; Parca's and
 * Alloy's configs scrape the goroutine profile and nothing else.
 */
class FleetConfigTest {
    private static final Path FLEET = Path.of(System.getProperty("user.dir")).resolve("../docs/fleet").normalize();
    private static final long PROMTOOL_SECONDS = 60;

    /** The per-site alert, and the metric it watches. */
    private static final String SITE_ALERT = "TetherLeakSuspectGrowing";
    private static final String SITE_METRIC = "tether_leak_suspect_tasks";
    /** Labels a series gets from its target: Prometheus' own, and those prometheus.yml sets for Tether JVMs. */
    private static final Set<String> TARGET_LABELS = Set.of("job", "instance", "service", "pprof_addr");

    /** What TetherCollector exports with a detector whose latest sample has a suspect. */
    private static String exposition;

    @BeforeAll
    static void scrapeTheCollector() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Channel<Integer> channel = Channel.unbuffered();
        int senders = 5;
        try (LeakDetector detector = LeakDetector.builder().minTasks(senders).minAge(Duration.ofMillis(50))
                .period(Duration.ofHours(1)).start()) {
            registry.register(new TetherCollector(detector));
            TaskScope scope = TaskScope.open();
            try {
                Set<Long> ids = new HashSet<>();
                for (int i = 0; i < senders; i++) {
                    ids.add(scope.go("sender-" + i, () -> {
                        channel.send(1);
                        return null;
                    }).id());
                }
                awaitSending(ids, Duration.ofMillis(50));
                assertFalse(detector.sampleNow().suspects().isEmpty(), "senders past minAge are a suspect");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                PrometheusTextFormatWriter.create().write(out, registry.scrape());
                exposition = out.toString(StandardCharsets.UTF_8);
                for (int i = 0; i < senders; i++) channel.receive();
            } finally {
                scope.close();
            }
        }
    }

    /**
     * Waits, bounded, until every task of {@code ids} has waited in {@code chan send} for at least {@code age}: the
     * state the detector samples, read from the registry rather than slept for.
     */
    private static void awaitSending(Set<Long> ids, Duration age) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            long ready = TaskRegistry.snapshot().stream().filter(t -> ids.contains(t.id()))
                    .filter(t -> "chan send".equals(t.waitReason()))
                    .filter(t -> t.waited().map(w -> w.compareTo(age) >= 0).orElse(false)).count();
            if (ready == ids.size()) return;
            if (System.nanoTime() - deadline > 0) fail(ready + " of " + ids.size() + " senders blocked after 10 s");
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Test
    void prometheusConfigIsValid() throws Exception {
        promtool("check", "config", "prometheus.yml");
    }

    @Test
    void alertRulesAreValid() throws Exception {
        promtool("check", "rules", "tether-alerts.yml");
    }

    @Test
    void alertRulesPassTheirUnitTests() throws Exception {
        promtool("test", "rules", "tether-alerts.test.yml");
    }

    @Test
    void rulesUseOnlyMetricsTheCollectorExports() throws IOException {
        String rules = read("tether-alerts.yml");
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\btether_[a-z0-9_]+").matcher(rules);
        while (m.find()) names.add(m.group());
        assertTrue(names.containsAll(Set.of(SITE_METRIC, "tether_tasks_proven_leaked_total")), names.toString());
        for (String name : names) {
            assertTrue(exported(name) || !name.endsWith("_total") && exported(name + "_total"),
                    "the rules use " + name + ", which TetherCollector does not export:\n" + exposition);
        }
    }

    @Test
    void perSiteAlertUsesOnlyLabelsOfItsMetric() throws IOException {
        Set<String> metricLabels = new TreeSet<>();
        Matcher series = Pattern.compile("(?m)^" + SITE_METRIC + "\\{([^}]*)\\}").matcher(exposition);
        assertTrue(series.find(), "no " + SITE_METRIC + " series:\n" + exposition);
        Matcher name = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"").matcher(series.group(1));
        while (name.find()) metricLabels.add(name.group(1));
        assertEquals(Set.of("kind", "reason", "site", "function"), metricLabels);

        String alert = alertBlock(read("tether-alerts.yml"), SITE_ALERT);
        assertTrue(alert.contains(SITE_METRIC), alert);
        Set<String> used = new TreeSet<>();
        collect(used, Pattern.compile("\\$labels\\.([a-zA-Z_]\\w*)"), alert, false);
        collect(used, Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)"),
                alert, true);
        Matcher matchers = Pattern.compile(SITE_METRIC + "\\{([^}]*)\\}").matcher(alert);
        while (matchers.find()) collect(used, Pattern.compile("([a-zA-Z_]\\w*)\\s*(?:=~|!~|!=|=)"), matchers.group(1),
                false);
        assertTrue(used.contains("site"), "the per-site alert does not name the site: " + used);
        for (String label : used) {
            assertTrue(metricLabels.contains(label) || TARGET_LABELS.contains(label),
                    SITE_ALERT + " uses the label " + label + ", which " + SITE_METRIC + " (" + metricLabels
                            + ") and its targets " + TARGET_LABELS + " do not have");
        }

        // The target labels beyond job and instance come from prometheus.yml's Tether job.
        String job = section(read("prometheus.yml"), "- job_name: tether-jvm", "- job_name:");
        assertTrue(job.contains("target_label: pprof_addr") && job.contains("service:"), job);
    }

    @Test
    void everyAlertSaysWhatToRun() throws IOException {
        String rules = read("tether-alerts.yml");
        int alerts = count(rules, "- alert: ");
        assertTrue(alerts >= 4, rules);
        assertEquals(alerts, count(rules, "runbook: \"./tether leakprof http://{{ $labels.pprof_addr }}"
                + "/debug/pprof/goroutine\""), rules);
    }

    @Test
    void parcaScrapesOnlyTheGoroutineProfile() throws IOException {
        String parca = read("parca.yaml");
        assertFalse(parca.contains("\t"), "tabs in YAML");
        assertTrue(parca.contains("\nobject_storage:\n") && parca.contains("\nscrape_configs:\n"), parca);
        List<String> jobs = sections(parca, "  - job_name: ");
        assertEquals(2, jobs.size(), parca);
        for (String job : jobs) {
            assertTrue(Pattern.compile("\\n\\s+profiling_config:\\s*\\n\\s+pprof_config:\\s*\\n").matcher(job).find(),
                    job);
            assertTrue(Pattern.compile("\\n\\s+goroutine:\\s*\\n\\s+enabled: true\\s*\\n"
                    + "\\s+path: /debug/pprof/goroutine\\n").matcher(job).find(), job);
            for (String other : List.of("memory", "block", "mutex", "process_cpu")) {
                assertTrue(Pattern.compile("\\n\\s+" + other + ":\\s*\\n\\s+enabled: false\\n").matcher(job).find(),
                        other + " is not disabled in\n" + job);
            }
        }
        assertFalse(parca.contains("delta: true"), "Tether refuses a delta scrape's ?seconds=");
        assertTrue(jobs.stream().anyMatch(j -> j.contains("type: Bearer") && j.contains("credentials_file:")),
                "no job sends Tether's bearer token");
    }

    @Test
    void alloyScrapesOnlyTheGoroutineProfile() throws IOException {
        String alloy = read("pyroscope.alloy");
        assertEquals(count(alloy, "{"), count(alloy, "}"), "unbalanced braces");
        assertTrue(alloy.contains("pyroscope.write \"default\" {"), alloy);
        List<String> scrapes = sections(alloy, "pyroscope.scrape \"");
        assertEquals(2, scrapes.size(), alloy);
        for (String scrape : scrapes) {
            assertTrue(scrape.contains("forward_to") && scrape.contains("pyroscope.write.default.receiver"), scrape);
            assertTrue(Pattern.compile("profile\\.goroutine \\{\\s*enabled\\s*=\\s*true\\s*"
                    + "path\\s*=\\s*\"/debug/pprof/goroutine\"").matcher(scrape).find(), scrape);
            for (String other : List.of("memory", "block", "mutex", "process_cpu")) {
                assertTrue(Pattern.compile("profile\\." + other + " \\{\\s*enabled\\s*=\\s*false\\s*}")
                        .matcher(scrape).find(), other + " is not disabled in\n" + scrape);
            }
        }
        assertFalse(Pattern.compile("delta\\s*=\\s*true").matcher(alloy).find(), "Tether refuses ?seconds=");
        assertTrue(scrapes.stream().anyMatch(s -> s.contains("bearer_token_file")), "no scrape sends Tether's token");
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** Runs promtool in docs/fleet and fails, showing its output, unless it exits 0 within 60 s. */
    private static void promtool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(promtoolPath().toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(FLEET.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        // Read while it runs (its output could fill the pipe); the read ends when promtool exits.
        String[] output = {""};
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                output[0] = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                output[0] = "(could not read promtool's output: " + e + ")";
            }
        });
        if (!p.waitFor(PROMTOOL_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            reader.join(5_000);
            fail(String.join(" ", command) + " did not finish in " + PROMTOOL_SECONDS + " s:\n" + output[0]);
        }
        reader.join(5_000);
        assertEquals(0, p.exitValue(), String.join(" ", command) + " in " + FLEET + " failed:\n" + output[0]);
    }

    /** promtool on the PATH or at /usr/bin/promtool; fails saying how to install it. */
    private static Path promtoolPath() {
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty()) candidates.add(Path.of(dir, "promtool"));
        }
        candidates.add(Path.of("/usr/bin/promtool"));
        for (Path c : candidates) if (Files.isRegularFile(c) && Files.isExecutable(c)) return c;
        return fail("promtool was not found on the PATH or at /usr/bin/promtool. It checks the Prometheus examples"
                + " in docs/fleet: install Debian's prometheus package (apt-get install prometheus), or put the"
                + " promtool of a Prometheus release on the PATH.");
    }

    private static String read(String file) throws IOException {
        return Files.readString(FLEET.resolve(file));
    }

    /** Whether the exposition has a sample of {@code name}. */
    private static boolean exported(String name) {
        return Pattern.compile("(?m)^" + Pattern.quote(name) + "[{ ]").matcher(exposition).find();
    }

    /** The rule of alert {@code name}: from its {@code - alert:} line to the next rule. */
    private static String alertBlock(String rules, String name) {
        String block = section(rules, "- alert: " + name + "\n", "- alert: ");
        assertFalse(block.isEmpty(), "no alert " + name + " in the rules");
        return block;
    }

    /** From {@code start} (inclusive) to the next {@code end} after it, or to the end; empty if no start. */
    private static String section(String text, String start, String end) {
        int from = text.indexOf(start);
        if (from < 0) return "";
        int to = text.indexOf(end, from + start.length());
        return text.substring(from, to < 0 ? text.length() : to);
    }

    /** The parts of {@code text} that each start with {@code start}, up to the next one. */
    private static List<String> sections(String text, String start) {
        List<String> out = new ArrayList<>();
        for (int from = text.indexOf(start); from >= 0; ) {
            int next = text.indexOf(start, from + start.length());
            out.add(text.substring(from, next < 0 ? text.length() : next));
            from = next;
        }
        return out;
    }

    /** Adds group 1 of each match of {@code p} in {@code text} to {@code into}, split at commas if asked. */
    private static void collect(Set<String> into, Pattern p, String text, boolean list) {
        Matcher m = p.matcher(text);
        while (m.find()) {
            for (String s : list ? m.group(1).split(",") : new String[] {m.group(1)}) {
                if (!s.isBlank()) into.add(s.strip());
            }
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) n++;
        return n;
    }
}
