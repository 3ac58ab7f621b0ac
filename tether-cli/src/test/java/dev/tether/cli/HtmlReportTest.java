package dev.tether.cli;

import dev.tether.cli.Report.Category;
import dev.tether.cli.Report.Creator;
import dev.tether.cli.Report.Instance;
import dev.tether.cli.Report.Link;
import dev.tether.cli.Report.LockCycle;
import dev.tether.cli.Report.Settings;
import dev.tether.cli.Report.Site;
import dev.tether.cli.Report.Sort;
import dev.tether.cli.Report.Stack;
import dev.tether.profile.Format;
import dev.tether.profile.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The HTML report: its charts, tables and escaping as written, then as headless Chromium loads it (the script ran,
 * the SVG and the stacks are in the DOM, a {@code #filter=} link hides the other rows).
 */
@Timeout(180)
class HtmlReportTest {

    static final String GO_GENERIC = "main.(*subscriber[...]).waitForUpdate";
    static final String HOSTILE = "dial tcp: </script><b>x</b> & \"quoted\" 'single'";
    static final String HOSTILE_ESCAPED =
            "dial tcp: &lt;/script&gt;&lt;b&gt;x&lt;/b&gt; &amp; &quot;quoted&quot; &#39;single&#39;";

    @TempDir
    Path tmp;

    /** Two suspects (Go, JVM) and two other sites over three scanned instances, one failed target, one deadlock. */
    static Report report() {
        Frame generic = new Frame(GO_GENERIC, "/src/app/pubsub.go", 88);
        Frame init = new Frame("com.example.Cache.<init>", "Cache.java", 41);
        Frame readLoop = new Frame("net/http.(*persistConn).readLoop", "/usr/local/go/src/net/http/transport.go", 2260);
        Frame wait0 = new Frame("java.lang.Object.wait0", null, Frame.NATIVE_LINE);
        List<Site> sites = List.of(
                new Site(generic, "chan receive", Category.CHANNEL, 400, counts("app-1", 300L, "app-2", 100L),
                        Duration.ofSeconds(303), 120L, true, List.of("count 400 >= 10", "growth 120 >= 5"),
                        List.of(new Stack(List.of(
                                        new Frame("runtime.gopark", "/usr/local/go/src/runtime/proc.go", 398),
                                        new Frame("runtime.chanrecv1", "/usr/local/go/src/runtime/chan.go", 489),
                                        generic,
                                        new Frame("main.(*server).serve.func1", "/src/app/server.go", 120, true)), 390),
                                new Stack(List.of(generic), 10)),
                        List.of(new Creator("main.(*server).serve in goroutine 1", 400))),
                new Site(init, "monitor enter", Category.LOCK, 12, counts("jvm-1", 12L), null, 12L, true,
                        List.of("count 12 >= 10"),
                        List.of(new Stack(List.of(init, new Frame("com.example.Main.lambda$main$0", "Main.java", 17),
                                new Frame("java.lang.Thread.run", "Thread.java", 1583)), 12)),
                        List.of(new Creator("pool-1-thread-<n>", 11), new Creator("main", 1))),
                new Site(readLoop, "IO wait", Category.IDLE, 30, counts("app-1", 20L, "app-2", 10L),
                        Duration.ofMinutes(125), 0L, false, List.of(), List.of(new Stack(List.of(readLoop), 30)),
                        List.of(new Creator("net/http.(*Transport).dialConn", 30))),
                new Site(wait0, "waiting", Category.WAIT, 3, counts("jvm-1", 3L), null, -2L, false, List.of(),
                        List.of(new Stack(List.of(wait0, new Frame("java.lang.Object.wait", "Object.java", 366)), 3)),
                        List.of()));
        List<Instance> instances = List.of(
                new Instance("app-1", "app-1:6060", Format.GO_DEBUG2, 512, 320, Duration.ofMillis(412), null),
                new Instance("app-2", "app-2:6060", Format.GO_PPROF, 200, 110, Duration.ofMillis(1250), null),
                new Instance("db-7", "http://db-7:6060/debug/pprof/goroutine?debug=2&x=<y>", null, 0, 0,
                        Duration.ofSeconds(10), HOSTILE),
                new Instance("jvm-1", "pid 4242", Format.JSTACK, 80, 15, Duration.ofSeconds(2), null));
        LockCycle cycle = new LockCycle("jvm-1", List.of(
                new Link("worker-1", "java.lang.Object@1b6d3586", "worker-2", new Frame("com.example.Bank.transfer",
                        "Bank.java", 41)),
                new Link("worker-2", "java.lang.Object@4554617c", "worker-1", null)), "reported by the JVM");
        return new Report(Instant.parse("2025-06-01T12:30:00Z"),
                new Settings(10, Duration.ofMinutes(5), 5, Sort.COUNT), instances, sites, List.of(cycle), true);
    }

    static Map<String, Long> counts(Object... nameCount) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < nameCount.length; i += 2) m.put((String) nameCount[i], (Long) nameCount[i + 1]);
        return m;
    }

    static String html(Report report) throws IOException {
        StringWriter w = new StringWriter();
        HtmlReport.write(report, w);
        return w.toString();
    }

    static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) n++;
        return n;
    }

    @Test
    void oneBarPerSiteAndInstanceAndEveryStringEscaped() throws IOException {
        String html = html(report());

        assertEquals(4, count(html, "<rect class=\"bar site-bar"), html);
        assertEquals(2, count(html, "<rect class=\"bar site-bar suspect\""));
        assertEquals(3, count(html, "<rect class=\"bar instance-bar\""), "scanned instances only");
        assertEquals(2, count(html, "<svg class=\"site-instances\""), "one per suspect");
        assertEquals(3, count(html, "<rect class=\"bar site-instance-bar\""), "app-1, app-2; jvm-1");
        assertEquals(4, count(html, "<details class=\"stack\">"));
        assertEquals(2, count(html, "<tr class=\"site suspect\">"));
        assertEquals(2, count(html, "<tr class=\"site\">"));
        for (String id : List.of("chart-sites", "chart-instances", "suspects", "others", "deadlocks", "instances",
                "errors")) {
            assertEquals(1, count(html, "<section id=\"" + id + "\">"), id);
        }

        // Instance totals are summed over sites, suspect parts overlaid.
        assertTrue(html.contains(">320 (300 suspect)</text>"), html);
        assertTrue(html.contains(">15 (12 suspect)</text>"));

        // Frames one per line, Go names raw (nothing to escape), JVM names escaped.
        assertStacks(html);
        assertTrue(html.contains(">390 &times;</h4><div class=\"frames\">"));
        assertTrue(html.contains("<code>Cache.&lt;init&gt;</code> <span class=\"muted\">Cache.java:41</span>"));
        assertTrue(html.contains("<code>pool-1-thread-&lt;n&gt;</code> <span class=\"muted\">+1 more</span>"));
        assertTrue(html.contains("Suspect: count 400 &gt;= 10; growth 120 &gt;= 5"));
        assertTrue(html.contains("<pre class=\"error\">" + HOSTILE_ESCAPED + "</pre>"));
        assertTrue(html.contains("debug=2&amp;x=&lt;y&gt;"));
        assertFalse(html.contains("<b>x</b>"));
        assertEquals(1, count(html, "<script>"));
        assertEquals(1, count(html, "</script>"), "only the page's own");

        // The deadlock, each link.
        assertTrue(html.contains("Thread <b>worker-1</b> waits for <code>java.lang.Object@1b6d3586</code> held by "
                + "<b>worker-2</b> at <code>com.example.Bank.transfer (Bank.java:41)</code>"));
        assertTrue(html.contains("held by <b>worker-1</b> (no stack)"));

        // Durations, growth (a column, as the scan was compared) and the thresholds.
        for (String s : List.of(">5m 3s<", ">2h 5m<", ">412 ms<", ">1 s<", ">+120<", ">-2<", "Growth</th>",
                "count &ge; 10", "oldest wait &ge; 5m", "growth &ge; 5", "2025-06-01 12:30:00 UTC")) {
            assertTrue(html.contains(s), s);
        }

        // Self-contained, and ASCII whatever the writer encodes.
        assertFalse(Pattern.compile("(src|href)=\"(?!#)|<link|url\\(|@import").matcher(html).find());
        assertTrue(html.chars().allMatch(c -> c < 128));
    }

    @Test
    void theSiteChartStopsAtFiftyAndSaysHowManyMore() throws IOException {
        List<Site> sites = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            sites.add(new Site(new Frame("main.worker" + i, "/src/w.go", i + 1), "select", Category.CHANNEL, 60 - i,
                    counts("a", (long) (60 - i)), null, null, false, List.of(), List.of(), List.of()));
        }
        Report report = new Report(Instant.EPOCH, new Settings(100, Duration.ofHours(1), 10, Sort.COUNT),
                List.of(new Instance("a", "a:6060", Format.GO_DEBUG1, 2000, 1830, Duration.ofMillis(5), null)), sites,
                List.of(), false);
        String html = html(report);

        assertEquals(HtmlReport.MAX_SITE_BARS, count(html, "<rect class=\"bar site-bar\""));
        assertTrue(html.contains("and 10 more sites"));
        assertEquals(60, count(html, "<tr class=\"site\">"), "the table lists them all");
        assertFalse(html.contains("Growth</th>"), "not compared");
        assertTrue(html.contains("growth not measured"));
        assertTrue(html.contains("No site reached a threshold."));
        assertTrue(html.contains("No lock-order deadlock was found."));
        assertTrue(html.contains("Every target was scanned."));
    }


    @Test
    void escapingCoversMarkupQuotesControlsAndNonAscii() {
        assertEquals(HOSTILE_ESCAPED, HtmlReport.esc(HOSTILE));
        assertEquals("a&#65533;b\tc\n", HtmlReport.esc("a\u0000b\tc\n"));
        assertEquals("&#8805; &#128512; &#65533;", HtmlReport.esc("\u2265 \uD83D\uDE00 \uD800"));
    }

    @Test
    void shortNamesDropTheImportPathOrPackage() {
        assertEquals(GO_GENERIC, HtmlReport.shortName(new Frame(GO_GENERIC, "/src/app/pubsub.go", 88)));
        assertEquals("http.(*persistConn).readLoop", HtmlReport.shortName(
                new Frame("net/http.(*persistConn).readLoop", "/usr/local/go/src/net/http/transport.go", 2260)));
        assertEquals("Cache.<init>", HtmlReport.shortName(new Frame("com.example.Cache.<init>", "Cache.java", 41)));
        assertEquals("Object.wait0", HtmlReport.shortName(new Frame("java.lang.Object.wait0", null, -2)));
    }

    @Test
    void chromiumRendersTheChartsTablesAndStacksAndRunsTheScript() throws Exception {
        String dom = dumpDom(write(report()), "");

        assertTrue(dom.contains("data-ready=\"1\""), "the script ran: " + dom);
        assertFalse(dom.contains("id=\"controls\" hidden"), "the script showed its controls");
        assertEquals(4, count(dom, "<rect class=\"bar site-bar"));
        assertEquals(3, count(dom, "<rect class=\"bar instance-bar\""));
        assertEquals(2, count(dom, "<svg class=\"site-instances\""));
        assertEquals(4, count(dom, "<details class=\"stack\">"), "closed until asked");
        assertStacks(dom);
        // The browser parsed the hostile error as text: serialised back escaped, no <b> element made of it.
        assertTrue(dom.contains("dial tcp: &lt;/script&gt;&lt;b&gt;x&lt;/b&gt; &amp; \"quoted\" 'single'"), dom);
        assertFalse(dom.contains("<b>x</b>"));
        assertEquals(0, count(dom, "hidden=\"\""));
    }

    @Test
    void aFilterLinkHidesTheRowsThatDoNotMatch() throws Exception {
        // Matches the third site by its function; the filter also looks into the stacks and creators.
        String dom = dumpDom(write(report()), "#filter=persistConn");

        assertTrue(dom.contains("data-ready=\"1\""), dom);
        assertEquals(2, count(dom, "<tr class=\"site suspect\" hidden=\"\">"), dom);
        assertEquals(1, count(dom, "<tr class=\"site\" hidden=\"\">"));
        assertEquals(1, count(dom, "<tr class=\"site\">"));
        assertTrue(dom.contains("<details id=\"others-list\" open=\"\">"), "opened to show the match");
    }

    /** The report's five stacks, a frame a line, Go names as they are, JVM names escaped. */
    static void assertStacks(String html) {
        Matcher m = Pattern.compile("<div class=\"frames\"><div>(.*?)</div></div>").matcher(html);
        List<List<String>> stacks = new ArrayList<>();
        while (m.find()) stacks.add(List.of(m.group(1).split("</div><div>")));
        assertEquals(5, stacks.size(), html);
        assertEquals(List.of("runtime.gopark (/usr/local/go/src/runtime/proc.go:398)",
                "runtime.chanrecv1 (/usr/local/go/src/runtime/chan.go:489)", GO_GENERIC + " (/src/app/pubsub.go:88)",
                "main.(*server).serve.func1 (/src/app/server.go:120) [inlined]"), stacks.get(0));
        assertEquals(List.of("com.example.Cache.&lt;init&gt; (Cache.java:41)",
                "com.example.Main.lambda$main$0 (Main.java:17)", "java.lang.Thread.run (Thread.java:1583)"),
                stacks.get(2));
        assertEquals(List.of("java.lang.Object.wait0 (Native Method)", "java.lang.Object.wait (Object.java:366)"),
                stacks.get(4));
    }

    private Path write(Report report) throws IOException {
        Path file = tmp.resolve("report.html");
        Files.writeString(file, html(report), StandardCharsets.UTF_8);
        return file;
    }

    /** The DOM headless Chromium built from the page, after its script ran. */
    private String dumpDom(Path page, String fragment) throws Exception {
        // A fresh profile: no lock left by another run; @TempDir deletes it.
        Path profile = Files.createTempDirectory(tmp, "chromium-profile");
        Path out = tmp.resolve("dom.html"), log = tmp.resolve("chromium.log");
        Process p = new ProcessBuilder(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--dump-dom", page.toUri() + fragment)
                .redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail("Chromium did not finish in 60 s:\n" + Files.readString(log));
        }
        assertEquals(0, p.exitValue(), () -> "Chromium failed:\n" + read(log));
        return Files.readString(out);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Chromium, which the build script installs; missing, the test fails rather than skip the browser check. */
    private static String chromium() {
        List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin/chromium")));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty()) candidates.add(Path.of(dir, "chromium"));
        }
        for (Path c : candidates) if (Files.isExecutable(c)) return c.toString();
        return fail("No chromium at /usr/bin/chromium or on the PATH: HtmlReportTest renders the HTML report in "
                + "headless Chromium. Install Debian's chromium package (apt-get install chromium); the build script "
                + "installs it.");
    }
}
