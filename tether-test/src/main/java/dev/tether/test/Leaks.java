package dev.tether.test;

import dev.tether.JdkWaits;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * Finds threads and tasks that are still running when they should not be: Uber's goleak for the JVM, seeing Tether
 * tasks, platform threads and raw virtual threads alike.
 *
 * <pre>{@code
 * @AfterEach
 * void noLeaks() {
 *     Leaks.verifyNone();                 // or annotate the class with @VerifyNoLeaks
 * }
 * }</pre>
 *
 * <h2>What is checked</h2>
 * Every live thread except the calling one: platform threads, raw virtual threads ({@code Thread.ofVirtual()},
 * {@code Executors.newVirtualThreadPerTaskExecutor()}, {@code StructuredTaskScope}) and Tether tasks, each with its
 * state, stack and wait. Tether tasks come with their wait reason and duration ({@code chan send}, 5 s), creation
 * site and owner. See {@link LiveThreads} for how virtual threads are found: it needs
 * {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}; without it reports say that raw virtual threads were
 * not visible (Tether tasks and platform threads still are).
 *
 * <h2>Waiting before blaming</h2>
 * A thread that is about to end is not a leak. Before reporting, the check retries with exponential backoff (1 ms,
 * doubling, at most 100 ms apart) until nothing is left or {@linkplain LeakOption#maxWait the bound} (default
 * {@value #DEFAULT_MAX_WAIT_MILLIS} ms, like goleak's ~0.4 s) has passed. It never interrupts or stops the threads
 * it reports.
 *
 * <h2>Default ignores</h2>
 * Infrastructure that is not the code under test's: the JVM's own threads (Reference Handler, Finalizer, Signal
 * Dispatcher, Common-Cleaner, Attach Listener, Notification Thread, JFR's threads, process reaper), virtual-thread
 * carriers, idle {@code ForkJoinPool.commonPool} workers, the JDK helpers that start lazily on first use
 * (ForkJoinPool delay schedulers, {@code VirtualThread-unblocker}/{@code -unparker}), Tether's {@code tether-timer}
 * and {@code tether-reaper}, the test runner's threads (surefire's {@code surefire-forkedjvm-*}, JUnit's timeout watcher and parallel-execution
 * workers) and {@code main}. {@link LeakOption#noDefaultIgnores()} drops them.
 */
public final class Leaks {
    private Leaks() {
    }

    /** The default wait bound, in milliseconds. */
    public static final long DEFAULT_MAX_WAIT_MILLIS = 500;
    static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(DEFAULT_MAX_WAIT_MILLIS);

    private static final Pattern DEFAULT_IGNORED_NAMES = Pattern.compile(String.join("|",
            "Reference Handler", "Finalizer", "Signal Dispatcher", "Common-Cleaner", "Attach Listener",
            "Notification Thread", "process reaper", "JFR .*", "Jfr.*", "VirtualThread-unblocker",
            "VirtualThread-unparker", "ForkJoinPool(-\\d+|\\.commonPool)-delayScheduler", "tether-timer", "tether-reaper",
            "surefire-forkedjvm-.*", "junit-jupiter-timeout-watcher", "main", "Keep-Alive-Timer",
            "idle-timeout-task", "DestroyJavaVM"));

    /**
     * Finds leaked threads and tasks, waiting up to the bound for those about to end.
     *
     * @throws IllegalArgumentException if options conflict (such as two wait bounds)
     * @throws NullPointerException     if an option is null
     */
    public static LeakReport find(LeakOption... options) {
        Config c = new Config(options);
        long deadline = System.nanoTime() + saturatedNanos(c.maxWait);
        long backoff = TimeUnit.MILLISECONDS.toNanos(1), maxBackoff = TimeUnit.MILLISECONDS.toNanos(100);
        boolean interrupted = false;
        try {
            for (;;) {
                List<LeakedThread> leaks = scan(c);
                long left = deadline - System.nanoTime();
                if (leaks.isEmpty() || left <= 0) {
                    return new LeakReport(leaks, LiveThreads.seesVirtualThreads(), Blame.readable());
                }
                LockSupport.parkNanos(Math.min(backoff, left));
                if (Thread.interrupted()) interrupted = true; // keep waiting out the bound; restore at the end
                backoff = Math.min(backoff * 2, maxBackoff);
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /**
     * Same as {@link #find}, throwing if anything leaked.
     *
     * @throws AssertionError with the {@linkplain LeakReport#toString() report} if a thread or task leaked
     */
    public static void verifyNone(LeakOption... options) {
        LeakReport r = find(options);
        if (!r.isEmpty()) throw new AssertionError(r.toString());
    }

    // ---- the scan --------------------------------------------------------------------------------------------

    /** Parsed options. */
    private static final class Config {
        final List<LeakOption> ignores = new ArrayList<>();
        final List<ThreadIds> current = new ArrayList<>(1);
        Duration maxWait = DEFAULT_MAX_WAIT;
        boolean defaults = true;
        String onlyTest;
        long minId;

        boolean inBaseline(long id) {
            for (ThreadIds ids : current) if (ids.contains(id)) return true;
            return false;
        }

        Config(LeakOption[] options) {
            boolean waitGiven = false;
            for (LeakOption o : options) {
                if (o == null) throw new NullPointerException("a leak option is null");
                switch (o.kind) {
                    case MAX_WAIT -> {
                        if (waitGiven) throw new IllegalArgumentException("maxWait given twice: " + Arrays.toString(options));
                        waitGiven = true;
                        maxWait = o.wait;
                    }
                    case NO_DEFAULTS -> defaults = false;
                    case CURRENT -> current.add(o.current);
                    case ONLY_TEST -> {
                        onlyTest = o.frame;
                        minId = o.minId;
                    }
                    default -> ignores.add(o);
                }
            }
        }
    }

    private static List<LeakedThread> scan(Config c) {
        Map<Thread, TaskInfo> tasks = new IdentityHashMap<>();
        for (TaskInfo i : TaskRegistry.snapshot()) i.thread().ifPresent(t -> tasks.put(t, i));
        Thread me = Thread.currentThread();
        List<LeakedThread> leaks = new ArrayList<>();
        ThreadIds reported = new ThreadIds();
        Consumer<Thread> check = t -> {
            long id = t.threadId();
            if (t == me || id < c.minId || c.inBaseline(id) || !t.isAlive()) return;
            Blame blame = Blame.of(t);
            if (c.onlyTest != null && (blame == null || !blame.isWithin(c.onlyTest))) return;
            String name = t.getName();
            if (c.defaults && ignoredByDefault(t, name)) return;
            if (ignoredByName(c, name)) return;
            LeakedThread l = describe(t, tasks.get(t), blame, c.defaults);
            if (l == null || ignoredByFrames(c, l)) return;
            if (reported.contains(id)) return;
            reported.add(id);
            leaks.add(l);
        };
        LiveThreads.forEach(check);
        // Without the JDK's thread containers, virtual threads are invisible: add the Tether tasks'.
        if (!LiveThreads.seesVirtualThreads()) {
            for (Thread t : tasks.keySet()) if (t.isVirtual()) check.accept(t);
        }
        return leaks;
    }

    private static boolean ignoredByDefault(Thread t, String name) {
        String cls = t.getClass().getName();
        return DEFAULT_IGNORED_NAMES.matcher(name).matches()
                || cls.equals("jdk.internal.misc.CarrierThread")       // virtual-thread carriers
                || cls.startsWith("org.junit.")                           // JUnit's parallel-execution workers
                || cls.startsWith("jdk.internal.misc.InnocuousThread") && name.startsWith("Common-Cleaner");
    }

    /** A common-pool worker waiting for work, not one blocked inside a task it runs. */
    private static boolean idleCommonPoolWorker(String name, StackTraceElement[] raw) {
        if (!name.startsWith("ForkJoinPool.commonPool-worker-")) return false;
        boolean awaitingWork = false;
        for (StackTraceElement f : raw) {
            String c = f.getClassName(), m = f.getMethodName();
            if (c.equals("java.util.concurrent.ForkJoinPool") && m.equals("awaitWork")) awaitingWork = true;
            if (c.startsWith("java.util.concurrent.ForkJoinTask") || m.equals("topLevelExec")) return false;
        }
        return awaitingWork;
    }

    private static boolean ignoredByName(Config c, String name) {
        for (LeakOption o : c.ignores) {
            if (o.kind == LeakOption.Kind.THREAD_NAME && o.name.matcher(name).matches()) return true;
        }
        return false;
    }

    private static boolean ignoredByFrames(Config c, LeakedThread l) {
        for (LeakOption o : c.ignores) {
            switch (o.kind) {
                case TOP_FRAME -> {
                    if (l.topFrame().isPresent() && o.matchesFrame(LeakReport.method(l.topFrame().get()))) return true;
                }
                case ANY_FRAME -> {
                    for (StackTraceElement f : l.stack()) if (o.matchesFrame(LeakReport.method(f))) return true;
                }
                case CREATOR -> {
                    if (l.creationSite() != null && o.matchesFrame(LeakReport.method(l.creationSite()))) return true;
                }
                default -> {
                }
            }
        }
        return false;
    }

    /** A leak record for {@code t}; null if it ended meanwhile, or is an idle common-pool worker and that counts. */
    private static LeakedThread describe(Thread t, TaskInfo task, Blame blame, boolean skipIdleCommonPool) {
        // The state and the stack are read at different moments; a thread on the move can pair one call's stack
        // with the next call's state (or show an empty stack as it starts). Read until two agree, a few times.
        Thread.State state;
        StackTraceElement[] raw;
        int tries = 0;
        do {
            state = t.getState();
            raw = t.getStackTrace();
        } while (++tries < 4 && (state != t.getState() || raw.length == 0 && t.isAlive()));
        if (!t.isAlive()) return null;
        if (skipIdleCommonPool && idleCommonPoolWorker(t.getName(), raw)) return null;
        StackTraceElement[] stack = blockedIn(raw);
        int user = -1;
        for (int i = 0; i < stack.length && user < 0; i++) {
            if (!Blame.isThreadMachinery(stack[i].getClassName())) user = i;
        }
        String test = blame == null ? null : blame.test();
        if (task != null) {
            // A task in a JDK wait is named from its stack, as a raw thread in the same wait is.
            String wait = task.inTetherWait() ? task.waitReason() : JdkWaits.describe(t, raw);
            return new LeakedThread(LeakedThread.Kind.TETHER_TASK, task.id(), task.name().orElse(""), state,
                    wait, task.waited().orElse(null), List.of(stack), user, task.creationSite().orElse(null), test);
        }
        return new LeakedThread(t.isVirtual() ? LeakedThread.Kind.VIRTUAL_THREAD : LeakedThread.Kind.PLATFORM_THREAD,
                t.threadId(), t.getName(), state, JdkWaits.describe(t, raw), null, List.of(stack), user,
                blame == null ? null : blame.site(), test);
    }

    /**
     * The stack from the operation the thread is blocked in: if user code called into the JDK or Tether, from the
     * frame it called ({@code LinkedBlockingQueue.take}, {@code Channel.send}), whatever helpers lie above it;
     * otherwise (a pool worker with no user frame) from the first frame below the parking machinery.
     */
    static StackTraceElement[] blockedIn(StackTraceElement[] stack) {
        int top = 0;
        while (top < stack.length && Blame.isThreadMachinery(stack[top].getClassName())) top++;
        if (top > 0 && top < stack.length) top--; // the API frame user code called
        else for (top = 0; top < stack.length && isParking(stack[top]); ) top++;
        return top == 0 ? stack : Arrays.copyOfRange(stack, top, stack.length);
    }

    private static boolean isParking(StackTraceElement f) {
        String c = f.getClassName(), m = f.getMethodName();
        return c.startsWith("jdk.internal.") || c.equals("java.lang.VirtualThread") || c.startsWith("java.lang.System$")
                || c.equals("java.util.concurrent.locks.LockSupport")
                || c.startsWith("java.util.concurrent.locks.AbstractQueuedSynchronizer")
                || c.equals("java.util.concurrent.LinkedTransferQueue$DualNode")
                || c.startsWith("java.util.concurrent.") && PRIVATE_WAIT_HELPERS.contains(m)
                || c.equals("java.util.concurrent.ForkJoinPool") && (m.equals("managedBlock") || m.equals("unmanagedBlock"))
                || c.equals("java.util.concurrent.CompletableFuture$Signaller")
                || c.equals("dev.tether.Waiter") || c.equals("dev.tether.Blocking")
                || c.equals("java.lang.Thread") && !m.equals("sleep") && !m.equals("join");
    }

    /** Private helpers under the public blocking methods of java.util.concurrent (SynchronousQueue.put -> xfer). */
    private static final Set<String> PRIVATE_WAIT_HELPERS = Set.of("xfer", "xferLifo", "awaitMatch",
            "awaitDone", "waitingGet", "timedGet", "awaitWork");

    /** Calls {@code action} with the thread of every live Tether task. */
    static void tetherThreads(Consumer<Thread> action) {
        for (TaskInfo i : TaskRegistry.snapshot()) i.thread().ifPresent(action);
    }

    private static long saturatedNanos(Duration d) {
        // Half of Long.MAX_VALUE: far beyond any real wait, and nanoTime() plus it cannot overflow.
        return d.compareTo(Duration.ofNanos(Long.MAX_VALUE / 2)) >= 0 ? Long.MAX_VALUE / 2 : d.toNanos();
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + " ms";
        if (ms < 120_000) return (ms / 1000) + " s";
        return (ms / 60_000) + " minutes";
    }
}
