package dev.tether.cli;

import dev.tether.JdkWaits;
import dev.tether.cli.Report.Category;
import dev.tether.dump.TaskDump;
import dev.tether.profile.Entry;
import dev.tether.profile.Frame;

import java.util.List;
import java.util.Locale;

/**
 * Decides, for one goroutine or thread of a dump, whether it is blocked, on what ({@link #waitReason}) and where
 * ({@link #site}): the first frame of the program's own code under the blocking call, the line a fix would change.
 *
 * <p>Own code is, for Go, every package whose import path does not start like the standard library's (a first path
 * element without a dot) plus {@code main}; for the JVM, {@link TaskDump#isUserCode}: not the JDK, not Tether's core.
 * A stack with no own code (an idle pool thread, a {@code net/http} connection goroutine) is placed at its
 * goroutine's function (Go) or the first frame under the JDK's parking machinery (JVM), so that such stacks still
 * group by what they are.
 *
 * <p>Dumps that do not name the wait get it from the stack: Go's pprof profile shows the runtime's frames
 * ({@code runtime.chansend1} is a {@code chan send}), JVM stacks are named by {@link JdkWaits#fromStack}. Go's
 * {@code debug=1} profile hides the runtime's frames: its waits stay unknown ({@code ?}) unless another frame tells.
 */
final class SiteRules {
    private SiteRules() {
    }

    /** A blocked goroutine or thread: where, on what, in which category, and the frame it is blocked in. */
    record Blocked(Frame site, String waitReason, Category category, Frame top) {
    }

    static final String UNKNOWN_WAIT = "?";

    /** How {@code e} is blocked, or null if it is not blocked (running, runnable, in a system call) or has no stack. */
    static Blocked classify(Entry e) {
        List<Frame> stack = e.stack();
        if (stack.isEmpty()) return null;
        return isJvm(e, stack) ? jvm(e, stack) : go(e, stack);
    }

    /**
     * True for a JVM stack. Not the entry's kind: Tether's endpoint writes its tasks in Go's formats, which read
     * back as goroutines with Java frames.
     */
    private static boolean isJvm(Entry e, List<Frame> stack) {
        if (e.kind() != Entry.Kind.GOROUTINE) return true;
        for (Frame f : stack) {
            if (f.file() == null) continue;
            if (f.file().endsWith(".go")) return false;
            if (f.file().endsWith(".java") || f.file().endsWith(".kt") || f.file().endsWith(".scala")) return true;
        }
        return false;
    }

    // ---- Go

    private static Blocked go(Entry e, List<Frame> stack) {
        String reason = e.waitReason().orElse(null);
        switch (e.state()) {
            case RUNNING, RUNNABLE, SYSCALL, NEW, TERMINATED -> {
                return null;
            }
            case UNKNOWN -> {
                reason = goWaitFromFrames(stack);
                if (reason == null) return null;
            }
            default -> {
                if (reason == null) reason = UNKNOWN_WAIT;
            }
        }
        int top = 0;
        while (top < stack.size() - 1 && isGoRuntime(stack.get(top).function())) top++;
        Frame site = null;
        for (Frame f : stack) {
            if (!isGoStandardLibrary(f.function())) {
                site = f;
                break;
            }
        }
        if (site == null) site = stack.getLast();
        return new Blocked(plain(site), reason, goCategory(reason, stack), plain(stack.get(top)));
    }

    /**
     * The wait a Go stack without a status shows (pprof, debug=1): from the runtime's or the standard library's
     * blocking functions, in Go's own words so that sites merge with those read from debug=2. {@code ?} if none
     * tells; null if the goroutine is evidently running (the one writing the profile).
     */
    static String goWaitFromFrames(List<Frame> stack) {
        for (Frame f : stack) {
            String fn = f.function();
            switch (fn) {
                case "runtime.chansend", "runtime.chansend1" -> {
                    return "chan send";
                }
                case "runtime.chanrecv", "runtime.chanrecv1", "runtime.chanrecv2" -> {
                    return "chan receive";
                }
                case "runtime.selectgo" -> {
                    return "select";
                }
                case "runtime.block" -> {
                    return "select (no cases)";
                }
                case "time.Sleep" -> {
                    return "sleep";
                }
                case "internal/poll.runtime_pollWait", "runtime.netpollblock" -> {
                    return "IO wait";
                }
                case "sync.runtime_notifyListWait" -> {
                    return "sync.Cond.Wait";
                }
                case "sync.runtime_Semacquire", "sync.runtime_SemacquireMutex", "sync.runtime_SemacquireRWMutex",
                     "sync.runtime_SemacquireRWMutexR", "sync.runtime_SemacquireWaitGroup" -> {
                    return "semacquire";
                }
                case "runtime.goroutineProfileWithLabels", "runtime/pprof.runtime_goroutineProfileWithLabels",
                     "runtime/pprof.writeGoroutineStacks", "runtime.Stack" -> {
                    return null;
                }
                default -> {
                }
            }
            if (!isGoRuntime(fn) && !fn.startsWith("sync.") && !fn.startsWith("internal/")) break;
        }
        return UNKNOWN_WAIT;
    }

    private static Category goCategory(String reason, List<Frame> stack) {
        if (reason.equals("semacquire") || reason.startsWith("sync.")) {
            for (Frame f : stack) {
                String fn = f.function();
                if (fn.startsWith("sync.(*Mutex).") || fn.startsWith("sync.(*RWMutex).")) return Category.LOCK;
                if (fn.startsWith("sync.(*WaitGroup).") || fn.startsWith("sync.(*Cond).")) return Category.WAIT;
            }
        }
        return category(reason);
    }

    /** The runtime package itself, whose frames sit above every blocking call in a pprof profile. */
    private static boolean isGoRuntime(String function) {
        return function.startsWith("runtime.") || function.startsWith("runtime/internal/");
    }

    /** Standard-library packages have no dot in their import path's first element; {@code main} is the program. */
    static boolean isGoStandardLibrary(String function) {
        int slash = function.lastIndexOf('/');
        int dot = function.indexOf('.', slash + 1);
        String pkg = dot < 0 ? function : function.substring(0, dot);
        if (pkg.equals("main")) return false;
        int firstSlash = pkg.indexOf('/');
        String first = firstSlash < 0 ? pkg : pkg.substring(0, firstSlash);
        return !first.contains(".");
    }

    // ---- JVM

    private static Blocked jvm(Entry e, List<Frame> stack) {
        if (e.state() == Entry.State.RUNNING || e.state() == Entry.State.NEW || e.state() == Entry.State.TERMINATED
                || e.state() == Entry.State.SYSCALL) {
            return null;
        }
        // A task's wait is Tether's own, exact; a thread dump's is read from the stack, which names the operation
        // ("queue take") where the dump's words only name the state ("parking", "on object monitor").
        boolean threadDump = e.kind() == Entry.Kind.PLATFORM_THREAD || e.kind() == Entry.Kind.VIRTUAL_THREAD;
        String reason = threadDump ? null : e.waitReason().orElse(null);
        if (reason == null) reason = tetherWait(stack.getFirst().function());
        if (reason == null) reason = JdkWaits.fromStack(elements(stack));
        if (e.state() == Entry.State.RUNNABLE) {
            // The JVM calls a thread in a blocking read RUNNABLE; Go calls it "IO wait". Other runnable threads run.
            if (!"IO wait".equals(reason)) return null;
        } else if (reason == null) {
            reason = switch (e.state()) {
                case BLOCKED -> "monitor enter";
                case TIMED_WAITING -> "timed wait";
                case WAITING -> "wait";
                // JDK 21's JSON has no states: only a known JDK wait shows a thread is blocked. Go's debug=1 has
                // none either, and hides why: a Tether task written there is blocked, on something unknown.
                default -> threadDump ? null : UNKNOWN_WAIT;
            };
            if (reason == null) return null;
        }
        int top = 0;
        while (top < stack.size() - 1 && isJdkParking(stack.get(top).function())) top++;
        Frame site = null;
        for (Frame f : stack) {
            if (TaskDump.isUserCode(f.className())) {
                site = f;
                break;
            }
        }
        if (site == null) site = jdkSite(stack, top);
        return new Blocked(bareFile(site), reason, category(reason), stack.get(top));
    }

    /** The wait of a Tether task whose stack starts in a Tether channel operation (a debug=1 profile's only hint). */
    private static String tetherWait(String top) {
        return switch (top) {
            case "dev.tether.Channel.send" -> "chan send";
            case "dev.tether.Channel.receive" -> "chan receive";
            case "dev.tether.Select.select" -> "select";
            default -> null;
        };
    }

    /**
     * The site of a thread with no own code on its stack (an idle pool worker): the first frame under the JDK's
     * queues and synchronizers, such as {@code ThreadPoolExecutor.getTask}, which says what kind of thread it is.
     */
    private static Frame jdkSite(List<Frame> stack, int top) {
        for (int i = top; i < stack.size(); i++) {
            Frame f = stack.get(i);
            String fn = f.function();
            if (isJdkParking(fn)) continue;
            if (fn.startsWith("java.util.concurrent.") && !f.className().contains("Executor")
                    && !fn.equals("java.util.concurrent.ForkJoinPool.awaitWork")) {
                continue;
            }
            return f;
        }
        return stack.get(top);
    }

    /** The JDK's machinery between a blocking call and the park or wait at the top of the stack. */
    private static boolean isJdkParking(String function) {
        return function.startsWith("jdk.internal.") || function.startsWith("java.util.concurrent.locks.")
                || function.startsWith("java.lang.VirtualThread.") || function.startsWith("java.lang.System$")
                || function.startsWith("java.lang.Object.wait") || function.startsWith("java.lang.Thread.sleep")
                || function.startsWith("sun.nio.ch.") || function.startsWith("java.lang.invoke.");
    }

    private static StackTraceElement[] elements(List<Frame> stack) {
        return stack.stream().map(Frame::toStackTraceElement).toArray(StackTraceElement[]::new);
    }

    // ---- both

    /**
     * The category of a wait, from its name in either runtime's words. Waits where blocking is the normal state
     * (network I/O, sleeping, the Go runtime's own idle goroutines) are {@link Category#IDLE}.
     */
    static Category category(String reason) {
        String r = reason.toLowerCase(Locale.ROOT);
        if (r.equals(UNKNOWN_WAIT)) return Category.UNKNOWN;
        if (r.startsWith("chan ") || r.startsWith("select") || r.startsWith("queue ")) return Category.CHANNEL;
        if (r.equals("semacquire") || r.startsWith("sync.mutex") || r.startsWith("sync.rwmutex") || r.equals("lock")
                || r.equals("monitor enter")) {
            return Category.LOCK;
        }
        if (r.equals("io wait") || r.equals("sleep") || r.equals("timed wait") || r.contains("(idle)")
                || r.startsWith("gc ") || r.contains("finalizer") || r.startsWith("timer goroutine")
                || r.startsWith("force gc") || r.startsWith("trace reader") || r.contains("sweep")
                || r.contains("scavenge") || r.equals("preempted") || r.equals("debug call")
                || r.equals("wait for gc cycle") || r.equals("gc assist wait")) {
            return Category.IDLE;
        }
        return Category.WAIT;
    }

    /**
     * A JVM frame with its file's bare name: thread dumps print {@code File.java}, pprof profiles written for Go's
     * tools {@code package/path/File.java}; the site must be the same in both.
     */
    private static Frame bareFile(Frame f) {
        if (f.file() == null || f.file().indexOf('/') < 0) return f;
        return new Frame(f.function(), f.file().substring(f.file().lastIndexOf('/') + 1), f.line());
    }

    /** The frame without Go's inlining mark: an inlined and a called frame at one line are one site. */
    private static Frame plain(Frame f) {
        return f.inlined() ? new Frame(f.function(), f.file(), f.line()) : f;
    }
}
