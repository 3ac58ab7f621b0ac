package dev.tether.test;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One option of {@link Leaks#find} and {@link Leaks#verifyNone}, made by the static factories and passed as
 * varargs, as in goleak: {@code Leaks.verifyNone(LeakOption.ignoreCurrent(), LeakOption.maxWait(Duration.ofSeconds(1)))}.
 *
 * <p>Frames are named {@code fully.qualified.Class.method}; a name ending in {@code *} matches every frame that
 * starts with the rest ({@code com.example.pool.*}). A thread's <em>top frame</em> is the frame it is blocked in,
 * above the JDK's parking machinery: {@code java.util.concurrent.SynchronousQueue.put}, not {@code Unsafe.park}.
 *
 * <p>Malformed options (null or blank names, a bad regular expression, a negative wait) fail here, at
 * configuration, with {@link IllegalArgumentException} or {@link NullPointerException}; conflicting ones (two wait
 * bounds) fail when passed together.
 */
public final class LeakOption {
    enum Kind { TOP_FRAME, ANY_FRAME, CREATOR, THREAD_NAME, CURRENT, MAX_WAIT, NO_DEFAULTS, ONLY_TEST }

    final Kind kind;
    final String frame;
    final Pattern name;
    final ThreadIds current;
    /** For {@link Kind#ONLY_TEST}: the first thread id the test can have created. */
    final long minId;
    final Duration wait;

    private LeakOption(Kind kind, String frame, Pattern name, ThreadIds current, Duration wait) {
        this(kind, frame, name, current, wait, 0);
    }

    private LeakOption(Kind kind, String frame, Pattern name, ThreadIds current, Duration wait, long minId) {
        this.kind = kind;
        this.frame = frame;
        this.name = name;
        this.current = current;
        this.wait = wait;
        this.minId = minId;
    }

    /** Ignores threads blocked in {@code function} (their top frame), e.g. {@code "com.example.Poller.run"}. */
    public static LeakOption ignoreTopFrame(String function) {
        return new LeakOption(Kind.TOP_FRAME, checkFrame(function), null, null, null);
    }

    /** Ignores threads with {@code function} anywhere on their stack. */
    public static LeakOption ignoreAnyFrame(String function) {
        return new LeakOption(Kind.ANY_FRAME, checkFrame(function), null, null, null);
    }

    /**
     * Ignores threads created at {@code function}: the Tether creation site of a task, or for a raw thread the
     * frame that started it (known when the test runs under Tether's JUnit integration).
     */
    public static LeakOption ignoreCreator(String function) {
        return new LeakOption(Kind.CREATOR, checkFrame(function), null, null, null);
    }

    /**
     * Ignores threads whose whole name matches the regular expression {@code regex}.
     *
     * @throws IllegalArgumentException if {@code regex} is not a valid regular expression
     */
    public static LeakOption ignoreThreadName(String regex) {
        Objects.requireNonNull(regex, "regex");
        try {
            return new LeakOption(Kind.THREAD_NAME, null, Pattern.compile(regex), null, null);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("ignoreThreadName: not a valid regular expression: " + regex
                    + " (" + e.getDescription() + ")", e);
        }
    }

    /**
     * Ignores every thread alive now, when the option is created (goleak's {@code IgnoreCurrent}): create it at
     * the start of a test and pass it at the end.
     */
    public static LeakOption ignoreCurrent() {
        ThreadIds now = new ThreadIds();
        LiveThreads.forEach(t -> now.add(t.threadId()));
        Leaks.tetherThreads(t -> now.add(t.threadId()));
        return new LeakOption(Kind.CURRENT, null, null, now, null);
    }

    /**
     * How long to wait, retrying with backoff, for threads that are about to end before calling them leaks. The
     * default is {@link Leaks#DEFAULT_MAX_WAIT}; zero checks once.
     *
     * @throws IllegalArgumentException if {@code bound} is negative
     */
    public static LeakOption maxWait(Duration bound) {
        Objects.requireNonNull(bound, "bound");
        if (bound.isNegative()) throw new IllegalArgumentException("maxWait must not be negative, was " + bound);
        return new LeakOption(Kind.MAX_WAIT, null, null, null, bound);
    }

    /**
     * Drops the default ignores (JVM, JDK and test-runner infrastructure threads; see {@link Leaks}), so that only
     * the options given apply.
     */
    public static LeakOption noDefaultIgnores() {
        return new LeakOption(Kind.NO_DEFAULTS, null, null, null, null);
    }

    /** Only threads blamed on the test or container with this JUnit unique id, or on tests within it. */
    static LeakOption onlyTest(String uniqueId) {
        return onlyTest(uniqueId, 0);
    }

    /**
     * Same as {@link #onlyTest(String)}, for a test or container which started
     * when the next thread id was {@code minId} ({@link ThreadIds#next()}): threads with smaller ids were created
     * before it and cannot carry its blame, so they are skipped without reading their blame.
     */
    static LeakOption onlyTest(String uniqueId, long minId) {
        return new LeakOption(Kind.ONLY_TEST, Objects.requireNonNull(uniqueId), null, null, null, minId);
    }

    private static String checkFrame(String function) {
        Objects.requireNonNull(function, "function");
        String f = function.strip();
        if (f.isEmpty() || f.equals("*")) {
            throw new IllegalArgumentException("a frame must name Class.method (or a prefix ending in *), was '"
                    + function + "'");
        }
        if (!f.endsWith("*") && f.indexOf('.') < 0) {
            throw new IllegalArgumentException("a frame must be fully.qualified.Class.method, was '" + function + "'");
        }
        return f;
    }

    /** True if the frame named {@code qualifiedMethod} matches this option's frame pattern. */
    boolean matchesFrame(String qualifiedMethod) {
        return frame.endsWith("*") ? qualifiedMethod.startsWith(frame.substring(0, frame.length() - 1))
                : qualifiedMethod.equals(frame);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case TOP_FRAME -> "ignoreTopFrame(" + frame + ")";
            case ANY_FRAME -> "ignoreAnyFrame(" + frame + ")";
            case CREATOR -> "ignoreCreator(" + frame + ")";
            case THREAD_NAME -> "ignoreThreadName(" + name.pattern() + ")";
            case CURRENT -> "ignoreCurrent(" + current.size() + " threads)";
            case MAX_WAIT -> "maxWait(" + wait + ")";
            case NO_DEFAULTS -> "noDefaultIgnores()";
            case ONLY_TEST -> "onlyTest(" + frame + ")";
        };
    }
}
