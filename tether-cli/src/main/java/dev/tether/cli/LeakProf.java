package dev.tether.cli;

import dev.tether.cli.Report.Settings;
import dev.tether.cli.Report.Sort;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tether leakprof}: scans goroutine and thread dumps of many services at once — dump files, Go or Tether
 * {@code /debug/pprof/goroutine} endpoints, local JVMs — and reports the blocking sites where goroutines and threads
 * pile up, across all of them, and the lock-order deadlocks. Run {@code --help} for the options.
 */
@Command(name = "leakprof", mixinStandardHelpOptions = true, version = "tether leakprof " + LeakProf.VERSION,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {
                "Scans goroutine and thread dumps for leaks: groups blocked goroutines and threads by blocking site"
                        + " across all targets, ranks the sites, and reports those that reach a threshold as"
                        + " suspects, and lock-order deadlocks apart.",
                "",
                "TARGETs, mixed freely: dump files in any format Tether reads (Go pprof debug=0/1/2 and crash"
                        + " output, the JDK's JSON and plain thread dumps, jstack); directories of them;"
                        + " http(s) URLs of /debug/pprof/goroutine endpoints (Go or Tether; debug=2 is asked for"
                        + " unless the URL says otherwise); local JVMs as pid:N (or N), dumped with jcmd.",
                ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:nothing suspicious",
                "1:suspects or deadlocks found",
                "2:usage or input error, or no target could be scanned"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  tether leakprof goroutines.txt threads.json",
                "  tether leakprof --html report.html http://10.0.0.7:6060 http://10.0.0.8:6060 pid:4242",
                "  tether leakprof --targets-file fleet.txt --interval 5m",
                "  tether leakprof --json today.json dumps/ && tether leakprof --baseline today.json dumps/"})
public final class LeakProf implements Callable<Integer> {

    static final String VERSION = "0.1.0";
    static final int EXIT_CLEAN = 0;
    static final int EXIT_SUSPECTS = 1;
    static final int EXIT_ERROR = 2;

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "TARGET", arity = "0..*", description = "Dump files, directories, URLs or pid:N.")
    private List<String> targets = new ArrayList<>();

    @Option(names = {"-f", "--targets-file"}, paramLabel = "FILE",
            description = "A file listing targets, one per line; # starts a comment. Repeatable.")
    private List<Path> targetFiles = new ArrayList<>();

    @Option(names = "--min-count", paramLabel = "N", defaultValue = "10",
            description = "A site with at least N blocked goroutines/threads (all targets) is a suspect."
                    + " Default: ${DEFAULT-VALUE}.")
    private long minCount;

    @Option(names = "--min-wait", paramLabel = "DURATION", defaultValue = "1m", converter = DurationConverter.class,
            description = "A site where one has waited at least this long is a suspect (only dumps that date"
                    + " waits, such as Go's debug=2, can show it). Default: ${DEFAULT-VALUE}.")
    private Duration minWait;

    @Option(names = "--min-growth", paramLabel = "N", defaultValue = "10",
            description = "With --baseline or --interval: a site that grew by at least N is a suspect."
                    + " Default: ${DEFAULT-VALUE}.")
    private long minGrowth;

    @Option(names = "--sort", paramLabel = "KEY",
            description = "Rank by count, instances, wait or growth. Default: growth when comparing, else count.")
    private Sort sort;

    @Option(names = "--baseline", paramLabel = "REPORT",
            description = "A report written earlier with --json: growth is counted against it.")
    private Path baseline;

    @Option(names = "--interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Scan twice, this long apart, and count growth between the scans.")
    private Duration interval;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Also write the report as JSON to FILE (- for stdout, instead of the table).")
    private String json;

    @Option(names = "--html", paramLabel = "FILE",
            description = "Also write the report as a self-contained HTML page to FILE.")
    private Path html;

    @Option(names = "--all", description = "List the sites below the thresholds too.")
    private boolean all;

    @Option(names = "--stacks", description = "Print each suspect's most common stack.")
    private boolean stacks;

    @Option(names = "--ignore-top", paramLabel = "FUNC", description = "Ignore goroutines/threads blocked in FUNC"
            + " (a name ending in * is a prefix). Repeatable.")
    private List<String> ignoreTop = new ArrayList<>();

    @Option(names = "--ignore-frame", paramLabel = "FUNC", description = "Ignore those with FUNC anywhere on"
            + " their stack. Repeatable.")
    private List<String> ignoreFrame = new ArrayList<>();

    @Option(names = "--ignore-site", paramLabel = "FUNC", description = "Ignore those whose blocking site is FUNC."
            + " Repeatable.")
    private List<String> ignoreSite = new ArrayList<>();

    @Option(names = "--ignore-creator", paramLabel = "FUNC", description = "Ignore those created by FUNC."
            + " Repeatable.")
    private List<String> ignoreCreator = new ArrayList<>();

    @Option(names = "--ignore-name", paramLabel = "REGEX", description = "Ignore threads whose whole name matches"
            + " REGEX. Repeatable.")
    private List<String> ignoreName = new ArrayList<>();

    @Option(names = "--no-default-ignores", description = "Do not leave out the JVM's and Go's service threads.")
    private boolean noDefaultIgnores;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Send the bearer token in FILE to every URL (Tether's debug endpoint can require one).")
    private Path tokenFile;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "Time allowed per attempt at a URL or JVM. Default: ${DEFAULT-VALUE}.")
    private Duration timeout;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "2",
            description = "Attempts repeated after a failure (URLs). Default: ${DEFAULT-VALUE}.")
    private int retries;

    @Option(names = {"-j", "--parallel"}, paramLabel = "N", defaultValue = "16",
            description = "Targets scanned at once. Default: ${DEFAULT-VALUE}.")
    private int parallel;

    @Option(names = "--progress", negatable = true, description = "Show a progress bar on stderr (default: when"
            + " stderr is a terminal).")
    private Boolean progress;

    /** Converts {@code 10s}, {@code 500ms}, {@code 1m30s} or {@code PT10S}. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Text.parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** An input error found before scanning: reported as a usage error. */
    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() throws Exception {
        if (minCount < 1) throw usage("--min-count must be at least 1, was " + minCount);
        if (minGrowth < 1) throw usage("--min-growth must be at least 1, was " + minGrowth);
        if (parallel < 1) throw usage("--parallel must be at least 1, was " + parallel);
        if (retries < 0) throw usage("--retries must not be negative, was " + retries);
        if (timeout.isZero()) throw usage("--timeout must be positive");
        if (baseline != null && interval != null) throw usage("use --baseline or --interval, not both");
        if (interval != null && interval.isZero()) throw usage("--interval must be positive");
        IgnoreRules ignore = ignoreRules();
        List<Target> list = targets();
        if (list.isEmpty()) throw usage("no targets given (dump files, directories, URLs or pid:N)");
        Fleet.Baseline before = null;
        if (baseline != null) {
            try {
                before = JsonReport.readBaseline(baseline);
            } catch (IOException e) {
                throw usage("--baseline: " + e.getMessage());
            }
        }

        String token = null;
        if (tokenFile != null) {
            try {
                token = Files.readString(tokenFile).strip();
            } catch (IOException e) {
                throw usage("--token-file " + tokenFile + ": cannot read: " + e.getMessage());
            }
            if (token.isEmpty() || token.contains("\n")) throw usage("--token-file " + tokenFile + ": expected one token");
        }
        Settings settings = new Settings(minCount, minWait, minGrowth,
                sort != null ? sort : before != null || interval != null ? Sort.GROWTH : Sort.COUNT);
        PrintWriter err = spec.commandLine().getErr();
        boolean bar = progress != null ? progress : System.console() != null && System.console().isTerminal();
        Report report;
        try (Fetcher fetcher = new Fetcher(timeout, retries, token)) {
            if (interval != null) {
                List<Fleet.Outcome> first = Scan.run(list, fetcher, ignore, parallel,
                        new Progress(err, bar, "first scan", list.size()));
                before = Fleet.Baseline.of(Fleet.report(first, settings, null));
                if (bar) err.println("waiting " + Text.duration(interval) + " before the second scan");
                Thread.sleep(interval);
            }
            List<Fleet.Outcome> outcomes = Scan.run(list, fetcher, ignore, parallel,
                    new Progress(err, bar, "scanning", list.size()));
            report = Fleet.report(outcomes, settings, before);
        }

        PrintWriter out = spec.commandLine().getOut();
        if (json != null) {
            if (json.equals("-")) {
                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                JsonReport.write(report, bytes);
                out.print(bytes.toString(StandardCharsets.UTF_8));
                out.flush();
            } else {
                try (OutputStream o = Files.newOutputStream(Path.of(json))) {
                    JsonReport.write(report, o);
                }
            }
        }
        if (html != null) {
            try (Writer w = new BufferedWriter(Files.newBufferedWriter(html, StandardCharsets.UTF_8))) {
                HtmlReport.write(report, w);
            }
        }
        if (!"-".equals(json)) TextReport.write(report, all, stacks, out);
        return report.exitCode();
    }

    private IgnoreRules ignoreRules() {
        IgnoreRules r = noDefaultIgnores ? IgnoreRules.none() : IgnoreRules.defaults();
        try {
            ignoreTop.forEach(r::top);
            ignoreFrame.forEach(r::frame);
            ignoreSite.forEach(r::site);
            ignoreCreator.forEach(r::creator);
            ignoreName.forEach(r::name);
        } catch (IllegalArgumentException e) {
            throw usage("ignore rule: " + e.getMessage());
        }
        return r;
    }

    /** The targets in the order given, each instance once. */
    private List<Target> targets() {
        List<Target> all = new ArrayList<>();
        for (String t : targets) all.addAll(Target.parse(t));
        for (Path f : targetFiles) {
            try {
                all.addAll(Target.readList(f));
            } catch (IOException e) {
                throw usage("--targets-file " + f + ": cannot read: " + e.getMessage());
            }
        }
        Map<String, Target> byName = new LinkedHashMap<>();
        for (Target t : all) byName.putIfAbsent(t.name(), t);
        return new ArrayList<>(byName.values());
    }

    /**
     * Runs the command with {@code args}, writing the report to {@code out} and messages to {@code err}.
     *
     * @return the exit code
     */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cmd = new CommandLine(new LeakProf()).setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(out).setErr(err)
                .setExecutionExceptionHandler((e, c, parsed) -> {
                    c.getErr().println("leakprof: " + e);
                    return EXIT_ERROR;
                });
        return cmd.execute(args);
    }

    /**
     * Runs the command and exits the JVM with its exit code: 0 nothing suspicious, 1 suspects or deadlocks found,
     * 2 a usage or input error or no target scanned. Blocks until the scan ends.
     */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(out, err, args));
    }
}
