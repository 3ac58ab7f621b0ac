package dev.tether.cli;

import dev.tether.cli.Report.Creator;
import dev.tether.cli.Report.Instance;
import dev.tether.cli.Report.Link;
import dev.tether.cli.Report.LockCycle;
import dev.tether.cli.Report.Settings;
import dev.tether.cli.Report.Site;
import dev.tether.cli.Report.Stack;
import dev.tether.profile.Frame;

import java.io.IOException;
import java.io.Writer;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes a {@link Report} as one self-contained HTML page (inline CSS and script, nothing fetched):
 * <ul>
 * <li>a header: scan time, instances scanned and failed, suspects, deadlocks and the thresholds;
 * <li>{@code #chart-sites}: blocked goroutines or threads per site as horizontal SVG bars ({@code rect.site-bar}),
 *     suspects highlighted, the first {@value #MAX_SITE_BARS} sites;
 * <li>{@code #chart-instances}: blocked per scanned instance ({@code rect.instance-bar}, the part at suspect sites
 *     overlaid), then per suspect a small chart of its count per instance ({@code svg.site-instances});
 * <li>{@code #suspects} and the collapsed {@code #others}: tables of sites, each with a {@code details.stack} holding
 *     its stacks, creators and the thresholds it reached;
 * <li>{@code #deadlocks}, {@code #instances} (scanned) and {@code #errors} (failed targets).
 * </ul>
 * Charts and tables are rendered here, so the page reads with scripts off; the script only adds a filter box
 * (preset by a {@code #filter=text} link) and an expand-all button. Every string from a dump or a target is escaped,
 * and non-ASCII characters are written as character references, so the page is ASCII whatever the writer's charset.
 */
final class HtmlReport {
    /** Sites drawn in the site chart; the tables list them all. */
    static final int MAX_SITE_BARS = 50;
    /** Instances drawn in the instance chart, the most blocked first. */
    static final int MAX_INSTANCE_BARS = 100;
    /** Instances drawn in each suspect's chart. */
    static final int MAX_SUSPECT_INSTANCE_BARS = 20;

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final int ROW = 22; // chart row height, px
    private static final String[][] NAV = {{"chart-sites", "Sites chart"}, {"chart-instances", "Instances chart"},
            {"suspects", "Suspects"}, {"others", "Other sites"}, {"deadlocks", "Deadlocks"}, {"instances", "Scanned"},
            {"errors", "Failed"}};

    private final Report report;
    private final StringBuilder h = new StringBuilder(1 << 16);

    private HtmlReport(Report report) {
        this.report = report;
    }

    static void write(Report report, Writer out) throws IOException {
        out.write(new HtmlReport(report).page());
        out.flush();
    }

    private String page() {
        List<Site> suspects = report.suspects();
        List<Site> others = report.sites().stream().filter(s -> !s.suspect()).toList();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>leakprof: ")
                .append(suspects.size()).append(" suspects, ").append(report.deadlocks().size())
                .append(" deadlocks</title>\n<style>").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
        header(suspects.size());
        siteChart();
        instanceCharts(suspects);
        h.append("<div class=\"controls\" id=\"controls\" hidden><input id=\"filter\" type=\"search\" ")
                .append("placeholder=\"Filter sites by function, file, wait, creator, frame...\">")
                .append("<button id=\"expand\" type=\"button\">Expand all stacks</button></div>\n");
        siteSection("suspects", "Suspects", suspects, 1, "No site reached a threshold.");
        siteSection("others", "Other sites", others, suspects.size() + 1, "None.");
        deadlocks();
        instances();
        errors();
        h.append("</main>\n<script>").append(SCRIPT).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    private void header(int suspects) {
        Settings s = report.settings();
        long failed = report.instances().size() - report.scanned();
        long blocked = report.sites().stream().mapToLong(Site::count).sum();
        h.append("<header>\n<h1>leakprof report</h1>\n<p class=\"muted\">Scan ended <time datetime=\"")
                .append(report.time()).append("\">").append(TIME.format(report.time())).append("</time></p>\n")
                .append("<div class=\"stats\">");
        stat(report.scanned(), "instances scanned", false);
        stat(failed, "failed", failed > 0);
        stat(suspects, "suspects", suspects > 0);
        stat(report.deadlocks().size(), "deadlocks", !report.deadlocks().isEmpty());
        stat(blocked, "blocked at " + Text.plural(report.sites().size(), "site"), false);
        h.append("</div>\n<p>A site is a suspect at <b>count &ge; ").append(Text.count(s.minCount()))
                .append("</b>, <b>oldest wait &ge; ").append(Text.duration(s.minWait())).append("</b> or <b>growth &ge; ")
                .append(Text.count(s.minGrowth())).append("</b>")
                .append(report.compared() ? "" : " (growth not measured: no earlier scan)")
                .append("; ranked by ").append(s.sort().name().toLowerCase(Locale.ROOT)).append(".</p>\n<nav>");
        for (String[] a : NAV) h.append("<a href=\"#").append(a[0]).append("\">").append(a[1]).append("</a> ");
        h.append("</nav>\n</header>\n");
    }

    private void stat(long n, String what, boolean alert) {
        h.append("<div class=\"stat").append(alert ? " alert" : "").append("\"><b>").append(Text.count(n)).append("</b>")
                .append(esc(what)).append("</div>");
    }

    private void siteChart() {
        List<Site> sites = report.sites();
        open("chart-sites", "Blocked per site", sites.size());
        if (sites.isEmpty()) h.append("<p class=\"muted\">Nothing was blocked.</p>\n");
        else {
            h.append("<p class=\"legend muted\"><span class=\"key suspect\"></span>suspect")
                    .append("<span class=\"key\"></span>other site</p>\n");
            List<Bar> bars = sites.stream().limit(MAX_SITE_BARS).map(s -> new Bar(
                    shortName(s.frame()) + " " + shortWhere(s.frame()),
                    frameText(s.frame()) + "\n" + s.waitReason() + ": " + Text.count(s.count()),
                    s.count(), 0, Text.count(s.count()) + " \u00b7 " + s.waitReason(),
                    "site-bar" + (s.suspect() ? " suspect" : ""))).toList();
            chart("sites", bars, 1000, 430, 210, true);
            more(sites.size() - bars.size(), "site", " (the tables list them all)");
        }
        h.append("</section>\n");
    }

    private void instanceCharts(List<Site> suspects) {
        // Per scanned instance: blocked at all sites, and at suspect sites.
        Map<String, long[]> blocked = new LinkedHashMap<>();
        for (Instance i : report.instances()) if (i.ok()) blocked.put(i.name(), new long[2]);
        for (Site s : report.sites()) {
            s.instances().forEach((name, n) -> {
                long[] b = blocked.get(name);
                if (b == null) return;
                b[0] += n;
                if (s.suspect()) b[1] += n;
            });
        }
        open("chart-instances", "Blocked per instance", blocked.size());
        if (blocked.isEmpty()) h.append("<p class=\"muted\">No instance was scanned.</p>\n");
        else {
            h.append("<p class=\"legend muted\"><span class=\"key instance\"></span>blocked")
                    .append("<span class=\"key suspect\"></span>of which at suspect sites</p>\n");
            // Largest first (a stable sort keeps the given order among equals): the hot instances lead.
            List<Bar> bars = blocked.entrySet().stream()
                    .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0]).reversed())
                    .limit(MAX_INSTANCE_BARS)
                    .map(e -> {
                        long[] b = e.getValue();
                        String note = b[1] > 0 ? Text.count(b[0]) + " (" + Text.count(b[1]) + " suspect)" : Text.count(b[0]);
                        return new Bar(e.getKey(), e.getKey() + ": " + note, b[0], b[1], note, "instance-bar");
                    }).toList();
            chart("instances", bars, 1000, 300, 170, false);
            more(blocked.size() - bars.size(), "instance", "");
        }
        if (!suspects.isEmpty()) {
            h.append("<h3>Suspects by instance</h3>\n<div class=\"grid\">\n");
            for (int i = 0; i < suspects.size(); i++) {
                Site s = suspects.get(i);
                String about = shortWhere(s.frame()) + " \u00b7 " + s.waitReason() + " \u00b7 "
                        + Text.plural(s.instances().size(), "instance");
                h.append("<figure><figcaption><b>#").append(i + 1).append("</b> <code>")
                        .append(esc(shortName(s.frame()))).append("</code> <span class=\"muted\">").append(esc(about))
                        .append("</span></figcaption>\n");
                List<Bar> bars = s.instances().entrySet().stream().limit(MAX_SUSPECT_INSTANCE_BARS)
                        .map(e -> new Bar(e.getKey(), e.getKey() + ": " + Text.count(e.getValue()), e.getValue(), 0,
                                Text.count(e.getValue()), "site-instance-bar")).toList();
                chart("site-instances", bars, 520, 220, 60, false);
                more(s.instances().size() - bars.size(), "instance", "");
                h.append("</figure>\n");
            }
            h.append("</div>\n");
        }
        h.append("</section>\n");
    }

    /** A chart bar: {@code part} of {@code value} is overlaid in the suspect colour. */
    private record Bar(String label, String title, long value, long part, String note, String cls) {
    }

    /**
     * A horizontal bar chart: labels right-aligned left of the bars, each bar's note after it. A long label is cut
     * at the start if {@code keepEnd} (a site's method and line tell sites apart), else at the end (an instance's
     * host or pod name), except a file path, whose end (the file's name) tells files apart.
     */
    private void chart(String svgClass, List<Bar> bars, int width, int labelWidth, int noteWidth, boolean keepEnd) {
        long max = bars.stream().mapToLong(Bar::value).max().orElse(0);
        double scale = max == 0 ? 0 : (width - labelWidth - noteWidth - 8) / (double) max;
        int height = bars.size() * ROW + 4;
        int chars = (labelWidth - 16) / 7; // 12px monospace is about 7.2px a character
        h.append("<svg class=\"").append(svgClass).append("\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\">\n");
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            int y = 2 + i * ROW;
            long w = Math.round(b.value() * scale);
            h.append("<g><title>").append(esc(b.title())).append("</title>");
            text("label", labelWidth - 8, y, "end", clip(b.label(), chars, keepEnd || b.label().startsWith("/")));
            rect("bar " + b.cls(), labelWidth, y, w);
            if (b.part() > 0) rect("bar-part", labelWidth, y, Math.round(b.part() * scale));
            text("value", labelWidth + w + 6, y, "start", b.note());
            h.append("</g>\n");
        }
        h.append("</svg>\n");
    }

    private void text(String cls, long x, int y, String anchor, String s) {
        h.append("<text class=\"").append(cls).append("\" x=\"").append(x).append("\" y=\"").append(y + ROW / 2)
                .append("\" dy=\".35em\" text-anchor=\"").append(anchor).append("\">").append(esc(s)).append("</text>");
    }

    private void rect(String cls, int x, int y, long width) {
        h.append("<rect class=\"").append(cls).append("\" x=\"").append(x).append("\" y=\"").append(y + 4)
                .append("\" width=\"").append(width).append("\" height=\"").append(ROW - 8).append("\" rx=\"2\"/>");
    }

    private void more(long n, String what, String after) {
        if (n > 0) h.append("<p class=\"muted\">and ").append(Text.plural(n, "more " + what)).append(after).append("</p>\n");
    }

    private void siteSection(String id, String title, List<Site> sites, int firstRank, String none) {
        boolean collapsed = id.equals("others");
        h.append("<section id=\"").append(id).append("\">\n");
        if (collapsed) h.append("<details id=\"others-list\"><summary>");
        h.append("<h2>").append(title).append(" <span class=\"muted\">(").append(Text.count(sites.size()))
                .append(")</span></h2>");
        h.append(collapsed ? "</summary>\n" : "\n");
        if (sites.isEmpty()) h.append("<p class=\"muted\">").append(none).append("</p>\n");
        else {
            h.append("<table class=\"sites\">\n<thead><tr><th class=\"num\">#</th><th class=\"num\">Count</th>")
                    .append("<th class=\"num\">Instances</th><th class=\"num\">Oldest wait</th>")
                    .append(report.compared() ? "<th class=\"num\">Growth</th>" : "")
                    .append("<th>Wait reason</th><th>Category</th><th>Site</th><th>Creator</th></tr></thead>\n")
                    .append("<tbody>\n");
            for (int i = 0; i < sites.size(); i++) siteRow(sites.get(i), firstRank + i);
            h.append("</tbody>\n</table>\n");
        }
        h.append(collapsed ? "</details>\n</section>\n" : "</section>\n");
    }

    private void siteRow(Site s, int rank) {
        h.append("<tr class=\"site").append(s.suspect() ? " suspect" : "").append("\">");
        cells("num", Text.count(rank), Text.count(s.count()), Text.count(s.instances().size()), Text.duration(s.oldestWait()));
        if (report.compared()) cells("num", s.growth() == null ? "-" : (s.growth() > 0 ? "+" : "") + Text.count(s.growth()));
        String category = s.category().name().toLowerCase(Locale.ROOT);
        cells("wait", s.waitReason());
        h.append("<td><span class=\"cat ").append(category).append("\">").append(category).append("</span></td>")
                .append("<td class=\"site-cell\"><details class=\"stack\"><summary><code>")
                .append(esc(shortName(s.frame()))).append("</code> <span class=\"muted\">")
                .append(esc(shortWhere(s.frame()))).append("</span></summary>\n<div class=\"more\">");
        if (!s.why().isEmpty()) {
            h.append("<p class=\"why\">Suspect: ").append(esc(String.join("; ", s.why()))).append("</p>");
        }
        h.append("<p><code>").append(esc(frameText(s.frame()))).append("</code></p><p class=\"muted\">Instances: ")
                .append(esc(s.instances().entrySet().stream().map(e -> e.getKey() + " " + Text.count(e.getValue()))
                        .collect(Collectors.joining(", ")))).append("</p>\n");
        for (Stack st : s.stacks()) {
            // A block per frame: a long one wraps under a hanging indent, still reading as one frame.
            h.append("<h4>").append(Text.count(st.count())).append(" &times;</h4><div class=\"frames\">");
            for (Frame f : st.frames()) h.append("<div>").append(esc(frameText(f))).append("</div>");
            h.append("</div>\n");
        }
        if (!s.creators().isEmpty()) {
            h.append("<h4>Created by</h4><ul class=\"creators\">");
            for (Creator c : s.creators()) {
                h.append("<li><span class=\"n\">").append(Text.count(c.count())).append("</span> <code>")
                        .append(esc(c.description())).append("</code></li>");
            }
            h.append("</ul>");
        }
        h.append("</div></details></td><td class=\"creator\">");
        if (s.creators().isEmpty()) h.append('-');
        else {
            h.append("<code>").append(esc(s.creators().getFirst().description())).append("</code>");
            int more = s.creators().size() - 1;
            if (more > 0) h.append(" <span class=\"muted\">+").append(more).append(" more</span>");
        }
        h.append("</td></tr>\n");
    }

    /** Table cells holding escaped text, of a class if not null. */
    private void cells(String cls, String... texts) {
        for (String t : texts) {
            h.append(cls == null ? "<td>" : "<td class=\"" + cls + "\">").append(esc(t)).append("</td>");
        }
    }

    private void deadlocks() {
        open("deadlocks", "Deadlocks", report.deadlocks().size());
        if (report.deadlocks().isEmpty()) h.append("<p class=\"muted\">No lock-order deadlock was found.</p>\n");
        for (LockCycle c : report.deadlocks()) {
            h.append("<div class=\"cycle\"><h3>").append(esc(c.instance())).append(" <span class=\"muted\">&mdash; ")
                    .append(esc(c.source())).append("</span></h3><ol>");
            for (Link l : c.links()) {
                h.append("<li>Thread <b>").append(esc(l.thread())).append("</b> waits for <code>").append(esc(l.lock()))
                        .append("</code> held by <b>").append(esc(l.heldBy())).append("</b>")
                        .append(l.site() == null ? " (no stack)" : " at <code>" + esc(frameText(l.site())) + "</code>")
                        .append("</li>");
            }
            h.append("</ol></div>\n");
        }
        h.append("</section>\n");
    }

    private void instances() {
        List<Instance> ok = report.instances().stream().filter(Instance::ok).toList();
        open("instances", "Scanned instances", ok.size());
        if (!ok.isEmpty()) {
            h.append("<table>\n<thead><tr><th>Instance</th><th>Format</th><th class=\"num\">Goroutines or threads</th>")
                    .append("<th class=\"num\">Blocked</th><th class=\"num\">Elapsed</th></tr></thead>\n<tbody>\n");
            for (Instance i : ok) {
                h.append("<tr>");
                cells(null, i.name(), i.format() == null ? "-" : i.format().description());
                cells("num", Text.count(i.total()), Text.count(i.blocked()), Text.duration(i.elapsed()));
                h.append("</tr>\n");
            }
            h.append("</tbody>\n</table>\n");
        }
        h.append("</section>\n");
    }

    private void errors() {
        List<Instance> failed = report.instances().stream().filter(i -> !i.ok()).toList();
        open("errors", "Failed instances", failed.size());
        if (failed.isEmpty()) h.append("<p class=\"muted\">Every target was scanned.</p>\n");
        else {
            h.append("<table>\n<thead><tr><th>Instance</th><th>Target</th><th>Error</th></tr></thead>\n<tbody>\n");
            for (Instance i : failed) {
                h.append("<tr>");
                cells(null, i.name());
                cells("mono", i.target());
                h.append("<td><pre class=\"error\">").append(esc(i.error())).append("</pre></td></tr>\n");
            }
            h.append("</tbody>\n</table>\n");
        }
        h.append("</section>\n");
    }

    private void open(String id, String title, long n) {
        h.append("<section id=\"").append(id).append("\">\n<h2>").append(title).append(" <span class=\"muted\">(")
                .append(Text.count(n)).append(")</span></h2>\n");
    }

    /**
     * Text for HTML content and quoted attributes: markup characters as references, and non-ASCII ones too (the
     * page is then ASCII); control characters and lone surrogates, which HTML cannot carry, become U+FFFD.
     */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        s.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                case '\t', '\n', '\r' -> b.append((char) c);
                default -> {
                    if (c < 0x20 || c == 0x7f || c >= 0xd800 && c <= 0xdfff) b.append("&#65533;");
                    else if (c > 0x7e) b.append("&#").append(c).append(';');
                    else b.append((char) c);
                }
            }
        });
        return b.toString();
    }

    private static String clip(String s, int max, boolean keepEnd) {
        if (s.length() <= max) return s;
        return keepEnd ? "\u2026" + s.substring(s.length() - max + 1) : s.substring(0, max - 1) + "\u2026";
    }

    /**
     * A frame's function without its import path (Go: {@code http.(*persistConn).readLoop}) or its package (JVM:
     * {@code SynchronousQueue.put}).
     */
    static String shortName(Frame f) {
        String fn = f.function();
        // Go's frames name .go files; its symbols hold dots inside receivers and type arguments, so cut at the slash.
        if (f.file() != null && f.file().endsWith(".go")) return fn.substring(fn.lastIndexOf('/') + 1);
        String cls = f.className();
        return cls.isEmpty() ? fn : cls.substring(cls.lastIndexOf('.') + 1) + "." + f.methodName();
    }

    /** The frame's position with the file's directory dropped: {@code main.go:42}. */
    private static String shortWhere(Frame f) {
        String w = where(f);
        return f.file() == null ? w : w.substring(Math.max(w.lastIndexOf('/'), w.lastIndexOf('\\')) + 1);
    }

    private static String where(Frame f) {
        if (f.isNative()) return "Native Method";
        if (f.file() == null) return "Unknown Source";
        return f.line() < 0 ? f.file() : f.file() + ":" + f.line();
    }

    /** {@code function (file:line)}, inlined Go frames marked. */
    private static String frameText(Frame f) {
        return f.function() + " (" + where(f) + ")" + (f.inlined() ? " [inlined]" : "");
    }

    private static final String CSS = """
            :root{--fg:#1f2933;--muted:#6b7280;--line:#e5e7eb;--panel:#f8fafc;--suspect:#dc2626;--other:#9ca3af;\
            --inst:#3b82f6}
            *{box-sizing:border-box}
            [hidden]{display:none!important}
            body{margin:0;background:#f1f3f6;color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,\
            "Helvetica Neue",Arial,sans-serif}
            main{max-width:1240px;margin:0 auto;padding:20px}
            header,section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 20px;\
            margin:0 0 16px}
            h1{font-size:22px;margin:0}
            h2{font-size:17px;margin:0 0 10px;display:inline-block}
            h3{font-size:14px;margin:14px 0 6px}
            h4{font-size:12px;margin:10px 0 2px;color:var(--muted)}
            code,pre,.mono,.frames,svg text{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",\
            monospace}
            code,pre,.mono,.frames{font-size:12.5px}
            p{margin:6px 0}
            a{color:#2563eb;text-decoration:none}
            nav a{margin-right:14px}
            .muted{color:var(--muted)}
            .stats{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
            .stat{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:6px 14px;\
            min-width:130px;color:var(--muted)}
            .stat b{display:block;font-size:22px;color:var(--fg)}
            .stat.alert b{color:var(--suspect)}
            table{border-collapse:collapse;width:100%}
            th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
            th{font-size:12px;font-weight:600;color:var(--muted);white-space:nowrap}
            .num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
            tr.suspect td:first-child{box-shadow:inset 3px 0 var(--suspect)}
            td.wait{white-space:nowrap}
            td.creator{max-width:220px;overflow-wrap:anywhere}
            summary{cursor:pointer}
            #others-list>summary h2{margin:0}
            #others-list[open]>summary{margin-bottom:10px}
            details.stack .more{margin:6px 0 4px}
            pre,.frames{margin:2px 0 8px;padding:6px 10px;background:var(--panel);border:1px solid var(--line);\
            border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere}
            .frames div{padding-left:2em;text-indent:-2em;overflow-wrap:anywhere}
            pre.error{margin:0;color:#991b1b}
            .why{color:#991b1b}
            ul.creators{margin:2px 0;padding:0;list-style:none}
            .n{display:inline-block;min-width:40px;text-align:right;font-variant-numeric:tabular-nums}
            .cat{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;background:#eef0f3}
            .cat.channel{background:#fee2e2;color:#991b1b}
            .cat.lock{background:#fef3c7;color:#92400e}
            .cat.wait{background:#dbeafe;color:#1e40af}
            svg{display:block;max-width:100%;height:auto}
            svg text{font-size:12px;fill:var(--fg)}
            svg g:hover text{font-weight:600}
            .bar{fill:var(--other)}
            .bar.suspect,.bar-part,.site-instance-bar{fill:var(--suspect)}
            .instance-bar{fill:var(--inst)}
            .legend .key{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 5px 0 14px;\
            background:var(--other)}
            .legend .key:first-child{margin-left:0}
            .key.suspect{background:var(--suspect)}
            .key.instance{background:var(--inst)}
            .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:12px;align-items:start}
            figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px 12px}
            figcaption{margin-bottom:4px;overflow-wrap:anywhere}
            .cycle ol{margin:4px 0;padding-left:22px}
            .controls{display:flex;gap:8px;margin:0 0 16px}
            .controls input{flex:1;padding:7px 10px;font:inherit;border:1px solid #cbd2da;border-radius:6px}
            button{font:inherit;padding:7px 14px;border:1px solid #cbd2da;border-radius:6px;background:#fff;\
            cursor:pointer}
            button:hover{background:var(--panel)}
            """;

    // Only adds behaviour to what the page already shows: without it, the tables and charts read the same.
    private static final String SCRIPT = """
            (function () {
              var input = document.getElementById('filter'), button = document.getElementById('expand');
              var others = document.getElementById('others-list');
              function filter() {
                var q = input.value.trim().toLowerCase();
                document.querySelectorAll('tr.site').forEach(function (row) {
                  row.hidden = q !== '' && row.textContent.toLowerCase().indexOf(q) < 0;
                });
                if (q && others) others.open = true;
              }
              input.addEventListener('input', filter);
              button.addEventListener('click', function () {
                var open = button.dataset.open !== '1';
                document.querySelectorAll('details.stack').forEach(function (d) { d.open = open; });
                button.dataset.open = open ? '1' : '';
                button.textContent = open ? 'Collapse all stacks' : 'Expand all stacks';
              });
              if (location.hash.indexOf('#filter=') === 0) {
                try { input.value = decodeURIComponent(location.hash.substring(8)); } catch (e) { /* bad escape */ }
                filter();
              }
              document.getElementById('controls').hidden = false;
              document.body.dataset.ready = '1';
            })();
            """;
}
