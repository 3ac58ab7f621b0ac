package dev.tether.bench;

import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Runs JMH benchmarks fork by fork, interleaved: each round runs one fork of every selected benchmark, in an order
 * that rotates from round to round, and the comparison is made within rounds.
 *
 * <p>Why: on a noisy machine a fork settles, for its whole life, into a fast or a slow state that the host decides
 * as much as the code (see docs/benchmarks.md), and how often forks land in the slow state drifts over minutes.
 * JMH runs all forks of one benchmark before the next, so two benchmarks compared in one JMH run still meet
 * different stretches of that drift. Interleaved, a stretch of noise hits each benchmark's fork of the round alike,
 * and the median over rounds of the per-round ratio compares like with like.
 *
 * <pre>
 * java --enable-preview -cp benchmarks.jar dev.tether.bench.Interleaved ROUNDS REGEX [JMH options]
 * ./tether bench --rounds ROUNDS REGEX [JMH options]
 * </pre>
 * {@code REGEX} selects the benchmarks, as JMH's own argument does; the JMH options ({@code -wi 3 -w 1 -i 5 -r 1},
 * {@code -p}, {@code -jvmArgsAppend}…) apply to every fork. {@code -f} is not accepted (a round is one fork of
 * each), nor are result files ({@code -rf}/{@code -rff}: this prints its own summary). The score of a fork is the
 * median of its measured iterations.
 */
public final class Interleaved {
    private Interleaved() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args[0].startsWith("-")) {
            usage("expected ROUNDS REGEX [JMH options], got " + Arrays.toString(args));
        }
        int rounds;
        try {
            rounds = Integer.parseInt(args[0]);
        } catch (NumberFormatException e) {
            rounds = 0;
        }
        if (rounds < 1) usage("ROUNDS must be a positive number of rounds, was '" + args[0] + "'");
        String regex = args[1];
        List<String> jmhOptions = List.of(args).subList(2, args.length);
        for (String o : jmhOptions) {
            if (o.equals("-f") || o.startsWith("-f=") || o.equals("-rf") || o.equals("-rff")) {
                usage("option " + o + " is not accepted: each round is one fork of each benchmark, and the summary "
                        + "is printed, not written");
            }
        }
        if (!new CommandLineOptions(jmhOptions.toArray(String[]::new)).getIncludes().isEmpty()) {
            usage("give the benchmarks as the one REGEX before the JMH options, not among them: " + jmhOptions);
        }

        List<String> names = new ArrayList<>();
        for (BenchmarkListEntry e : BenchmarkList.defaultList().find(
                OutputFormatFactory.createFormatInstance(System.err, VerboseMode.SILENT), List.of(regex), List.of())) {
            if (!names.contains(e.getUsername())) names.add(e.getUsername());
        }
        if (names.size() < 1) usage("no benchmark matches '" + regex + "'");

        int k = names.size();
        double[][] scores = new double[rounds][k];
        String unit = "";
        for (int r = 0; r < rounds; r++) {
            for (int j = 0; j < k; j++) {
                int b = (r + j) % k; // rotate, so that no benchmark always runs first in its round
                BenchmarkResult result = runOneFork(names.get(b), jmhOptions);
                scores[r][b] = forkMedian(result);
                unit = result.getScoreUnit();
                System.err.printf(Locale.ROOT, "round %d/%d  %s: %.1f %s%n", r + 1, rounds, shortName(names.get(b)),
                        scores[r][b], unit);
            }
        }
        report(System.out, names, scores, unit);
    }

    private static BenchmarkResult runOneFork(String name, List<String> jmhOptions)
            throws CommandLineOptionException, RunnerException {
        List<String> argv = new ArrayList<>(jmhOptions);
        argv.addAll(List.of("-f", "1", "-v", "SILENT", "^" + Pattern.quote(name) + "$"));
        var results = new Runner(new CommandLineOptions(argv.toArray(String[]::new))).run();
        if (results.size() != 1) {
            throw new IllegalStateException("expected one result for " + name + ", got " + results.size()
                    + " (a parameterised benchmark: select one parameter set with -p)");
        }
        RunResult run = results.iterator().next();
        if (run.getBenchmarkResults().size() != 1) {
            throw new IllegalStateException("expected one fork of " + name + ", got "
                    + run.getBenchmarkResults().size());
        }
        return run.getBenchmarkResults().iterator().next();
    }

    /** The median of a fork's measured iterations. */
    static double forkMedian(BenchmarkResult fork) {
        double[] it = fork.getIterationResults().stream()
                .mapToDouble((IterationResult i) -> i.getPrimaryResult().getScore()).toArray();
        if (it.length == 0) throw new IllegalStateException("the fork measured no iteration");
        return median(it);
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** The value below which a share {@code q} (0..1) of the values lie, interpolated between neighbours. */
    static double quantile(double[] values, double q) {
        double[] s = values.clone();
        Arrays.sort(s);
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }

    static void report(PrintStream out, List<String> fullNames, double[][] scores, String unit) {
        int rounds = scores.length, k = fullNames.size();
        List<String> names = shortNames(fullNames);
        int w = names.stream().mapToInt(n -> n.length()).max().orElse(10) + 2;
        out.printf(Locale.ROOT, "%nFork medians (%s), one fork of each benchmark per round:%n", unit);
        out.printf(Locale.ROOT, "%-7s", "round");
        for (String n : names) out.printf(Locale.ROOT, "%" + w + "s", n);
        out.println();
        for (int r = 0; r < rounds; r++) {
            out.printf(Locale.ROOT, "%-7d", r + 1);
            for (int b = 0; b < k; b++) out.printf(Locale.ROOT, "%" + w + ".1f", scores[r][b]);
            out.println();
        }
        out.printf(Locale.ROOT, "%n%-" + w + "s %14s %22s%n", "benchmark", "median", "quartiles");
        for (int b = 0; b < k; b++) {
            double[] col = column(scores, b);
            out.printf(Locale.ROOT, "%-" + w + "s %14.1f %10.1f – %-10.1f%n", names.get(b), median(col),
                    quantile(col, 0.25), quantile(col, 0.75));
        }
        if (k < 2) return;
        out.printf(Locale.ROOT, "%nA ÷ B, round by round: median of the %d ratios [quartiles], "
                + "and in how many rounds A was faster%n", rounds);
        for (int a = 0; a < k; a++) {
            for (int b = a + 1; b < k; b++) {
                double[] ratio = new double[rounds];
                int wins = 0;
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = scores[r][a] / scores[r][b];
                    if (ratio[r] < 1) wins++;
                }
                out.printf(Locale.ROOT, "  %s ÷ %s: %.3f [%.3f – %.3f], faster in %d/%d%n", names.get(a),
                        names.get(b), median(ratio), quantile(ratio, 0.25), quantile(ratio, 0.75), wins,
                        rounds);
            }
        }
    }

    private static double[] column(double[][] scores, int b) {
        return Arrays.stream(scores).mapToDouble(row -> row[b]).toArray();
    }

    /** {@code dev.tether.bench.ChannelBench.buffered16_tether} → {@code ChannelBench.buffered16_tether}. */
    static String shortName(String name) {
        int method = name.lastIndexOf('.');
        int cls = method < 0 ? -1 : name.lastIndexOf('.', method - 1);
        return name.substring(cls + 1);
    }

    /** The names without package, and without class too when every benchmark is of one class. */
    static List<String> shortNames(List<String> names) {
        List<String> s = names.stream().map(Interleaved::shortName).toList();
        boolean oneClass = s.stream().map(n -> n.substring(0, n.indexOf('.') + 1)).distinct().count() == 1;
        return oneClass ? s.stream().map(n -> n.substring(n.indexOf('.') + 1)).toList() : s;
    }

    private static void usage(String problem) {
        System.err.println("Interleaved: " + problem);
        System.err.println("usage: Interleaved ROUNDS REGEX [JMH options]   "
                + "(e.g. 12 'ChannelBench.buffered16_(tether|arrayBlockingQueue)$' -wi 3 -w 1 -i 5 -r 1)");
        System.exit(2);
    }
}
