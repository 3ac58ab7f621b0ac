package dev.tether.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What {@link PairedSpawn} and {@link PairedPingPong} share: loading a second build, arguments, the report. */
final class Paired {
    private Paired() {
    }

    /** One contender's work: the nanoseconds that {@code n} repetitions took. */
    @FunctionalInterface
    interface Run {
        long nanos(int n) throws Throwable;
    }

    /** The jar (or classes directory) this class was loaded from. */
    static URL self() {
        return Paired.class.getProtectionDomain().getCodeSource().getLocation();
    }

    /** Checks that {@code arg} names tether-core's classes: a directory with dev/tether/Task.class, or a jar. */
    static Path coreClasses(String usage, String arg) {
        Path base = Path.of(arg);
        if (!Files.exists(base.resolve("dev/tether/Task.class")) && !Files.isRegularFile(base)) {
            usage(usage, "BASE must be tether-core's classes directory (with dev/tether/Task.class) or jar, was " + base);
        }
        return base;
    }

    /**
     * The static {@code long method(int)} of {@code driver}, loaded afresh from {@code path} by a class loader of its
     * own, so that the dev.tether classes it uses come from the first entry of the path.
     */
    static MethodHandle driver(String usage, Class<?> driver, URL[] path, String method)
            throws ReflectiveOperationException {
        // The platform loader as parent: dev.tether comes from the path, not from the application's class path.
        ClassLoader loader = new URLClassLoader(path, ClassLoader.getPlatformClassLoader());
        Class<?> d = Class.forName(driver.getName(), true, loader);
        return MethodHandles.publicLookup().findStatic(d, method, MethodType.methodType(long.class, int.class));
    }

    static int positive(String usage, String s, String what) {
        try {
            int n = Integer.parseInt(s);
            if (n > 0) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        usage(usage, what + " must be a positive number, was '" + s + "'");
        return 0;
    }

    static void usage(String usage, String problem) {
        System.err.println(usage.substring(0, usage.indexOf(' ')) + ": " + problem);
        System.err.println("usage: java -cp benchmarks.jar dev.tether.bench." + usage);
        System.err.println("  BASE: tether-core's classes directory or jar, built from the commit to compare with");
        System.exit(2);
    }

    /**
     * Prints each contender's median (and quartiles) of {@code ns[contender][round]}, then, for {@code first}
     * against every other contender, the median and quartiles of the per-round ratio and in how many rounds
     * {@code first} was faster.
     */
    static void report(String[] names, double[][] ns, int first) {
        int rounds = ns[0].length;
        for (int c = 0; c < names.length; c++) {
            System.out.printf(Locale.ROOT, "  %-20s median %,9.1f (quartiles %,.1f – %,.1f)%n", names[c],
                    Interleaved.median(ns[c]), Interleaved.quantile(ns[c], 0.25), Interleaved.quantile(ns[c], 0.75));
        }
        for (int c = 0; c < names.length; c++) {
            if (c != first) reportRatio(names, ns, first, c, rounds);
        }
    }

    /** Prints the per-round ratio of contender {@code a} to contender {@code b}. */
    static void reportRatio(String[] names, double[][] ns, int a, int b, int rounds) {
        double[] ratio = new double[rounds];
        int faster = 0;
        for (int r = 0; r < rounds; r++) {
            ratio[r] = ns[a][r] / ns[b][r];
            if (ratio[r] < 1) faster++;
        }
        System.out.printf(Locale.ROOT, "  %s ÷ %s: %.3f [%.3f – %.3f], %s faster in %d/%d rounds%n", names[a],
                names[b], Interleaved.median(ratio), Interleaved.quantile(ratio, 0.25),
                Interleaved.quantile(ratio, 0.75), names[a], faster, rounds);
    }
}
