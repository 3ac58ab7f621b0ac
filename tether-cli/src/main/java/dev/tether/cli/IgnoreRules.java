package dev.tether.cli;

import dev.tether.profile.Entry;
import dev.tether.profile.Frame;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which blocked goroutines and threads a scan leaves out, with the test verifier's vocabulary: a function names a
 * frame exactly ({@code main.(*server).waitForShutdown}, {@code com.example.Poller.run}) or, ending in {@code *}, every
 * frame that starts with the rest ({@code net/http.*}, {@code com.example.pool.*}).
 * <ul>
 *   <li>{@code top}: the frame it is blocked in, under the runtime's or the JDK's parking machinery;</li>
 *   <li>{@code frame}: any frame of its stack;</li>
 *   <li>{@code site}: its blocking site;</li>
 *   <li>{@code creator}: the function that created it ({@code created by}, a Tether task's creation site);</li>
 *   <li>{@code name}: a regular expression matching a thread's whole name.</li>
 * </ul>
 * The defaults leave out the JVM's and Go's own service threads; {@link #none()} starts without them.
 */
final class IgnoreRules {

    private static final List<String> DEFAULT_NAMES = List.of("Reference Handler", "Finalizer", "Signal Dispatcher",
            "Common-Cleaner", "Attach Listener", "Notification Thread", "process reaper.*", "JFR .*",
            "VirtualThread-unblocker", "VirtualThread-unparker", "tether-timer", "tether-reaper");
    private static final List<String> DEFAULT_TOPS = List.of("java.util.concurrent.ForkJoinPool.awaitWork",
            "os/signal.signal_recv", "os/signal.loop", "runtime.ensureSigM");

    private final List<Rule> rules = new ArrayList<>();

    private IgnoreRules() {
    }

    /** Rules that leave out the JVM's and Go's service threads (reference handler, idle carrier threads, ...). */
    static IgnoreRules defaults() {
        IgnoreRules r = none();
        DEFAULT_NAMES.forEach(r::name);
        DEFAULT_TOPS.forEach(r::top);
        return r;
    }

    /** No rules. */
    static IgnoreRules none() {
        return new IgnoreRules();
    }

    private enum Kind { TOP, FRAME, SITE, CREATOR, NAME }

    private record Rule(Kind kind, String function, Pattern name) {
        boolean matches(String fn) {
            return function.endsWith("*") ? fn.startsWith(function.substring(0, function.length() - 1))
                    : fn.equals(function);
        }
    }

    /** @throws IllegalArgumentException if {@code function} is blank or just {@code *} */
    IgnoreRules top(String function) {
        return add(Kind.TOP, function);
    }

    /** @throws IllegalArgumentException if {@code function} is blank or just {@code *} */
    IgnoreRules frame(String function) {
        return add(Kind.FRAME, function);
    }

    /** @throws IllegalArgumentException if {@code function} is blank or just {@code *} */
    IgnoreRules site(String function) {
        return add(Kind.SITE, function);
    }

    /** @throws IllegalArgumentException if {@code function} is blank or just {@code *} */
    IgnoreRules creator(String function) {
        return add(Kind.CREATOR, function);
    }

    /** @throws IllegalArgumentException if {@code regex} is not a valid regular expression */
    IgnoreRules name(String regex) {
        try {
            rules.add(new Rule(Kind.NAME, null, Pattern.compile(regex)));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("not a valid regular expression: '" + regex + "' ("
                    + e.getDescription() + ")", e);
        }
        return this;
    }

    private IgnoreRules add(Kind kind, String function) {
        String f = function.strip();
        if (f.isEmpty() || f.equals("*")) {
            throw new IllegalArgumentException("a function must be named (or a prefix ending in *), was '" + function
                    + "'");
        }
        rules.add(new Rule(kind, f, null));
        return this;
    }

    /** True if {@code e}, blocked as {@code b}, is left out. */
    boolean ignores(Entry e, SiteRules.Blocked b) {
        for (Rule r : rules) {
            boolean hit = switch (r.kind) {
                case TOP -> r.matches(b.top().function());
                case SITE -> r.matches(b.site().function());
                case CREATOR -> e.createdBy().map(c -> r.matches(c.function())).orElse(false);
                case NAME -> e.name().map(n -> r.name.matcher(n).matches()).orElse(false);
                case FRAME -> anyFrame(r, e.stack());
            };
            if (hit) return true;
        }
        return false;
    }

    private static boolean anyFrame(Rule r, List<Frame> stack) {
        for (Frame f : stack) if (r.matches(f.function())) return true;
        return false;
    }
}
