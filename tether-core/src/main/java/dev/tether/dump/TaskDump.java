package dev.tether.dump;

import dev.tether.TaskGroup;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Goroutine-style text dumps of the live {@linkplain TaskRegistry tasks}: Go's {@code /debug/pprof/goroutine}
 * {@code ?debug=1} (grouped) and {@code ?debug=2} (full) for Tether.
 *
 * <h2>Grouped</h2>
 * Tasks stuck at the same place are counted together, largest group first, each with a representative stack:
 * <pre>
 * tether tasks: 412 live, 2 groups
 *
 * 400 @ [chan send] oldest wait 3.2 s
 * #	dev.tether.Channel.send	Channel.java:121
 * #	com.example.Search.lambda$process$0	Search.java:60
 * #	created by com.example.Search.process	Search.java:58
 * #	owner scope 3
 * </pre>
 * When there are at most {@value #EXACT_LIMIT} live tasks every stack is read and tasks are grouped by stack,
 * creation site and wait reason: exact, as Go's groups are. Above that, reading every stack would take seconds
 * (about 10 µs each), so the groups come from what the registry records — wait reason, state, creation site
 * ({@link TaskRegistry#groups(int)}) — and each group's stacks are <em>sampled</em> ({@value #SAMPLES} per group). If
 * the samples disagree the group says so and shows each variant with its share of the samples, its count marked as
 * an estimate. A dump of a million tasks takes tens of milliseconds.
 *
 * <h2>Full</h2>
 * Every task with its whole stack, in Go's {@code debug=2} layout:
 * <pre>
 * task 48291 [chan send, 5 minutes]:
 * dev.tether.Channel.send(...)
 * 	dev/tether/Channel.java:121
 * com.example.Search.lambda$process$0(...)
 * 	com/example/Search.java:60
 * created by com.example.Search.process in scope 3
 * 	com/example/Search.java:58
 * owners: scope 3 &lt;- task 17
 * </pre>
 * As in Go, the wait duration appears only from one minute on. A detached task carries {@code detached} in its
 * header, as a goroutine carries {@code locked to thread}. Stacks omit the JDK's and Tether's internal frames above
 * the first API frame ({@code Channel.send}, {@code Thread.sleep}, ...) and below the task's body.
 */
public final class TaskDump {
    private TaskDump() {
    }

    /** Up to this many tasks, the grouped dump reads every stack and its groups are exact. */
    public static final int EXACT_LIMIT = 10_000;
    /** Above {@link #EXACT_LIMIT}, the grouped dump reads this many stacks per group. */
    public static final int SAMPLES = 8;

    /** The grouped dump of all live tasks, as a string. */
    public static String grouped() {
        StringBuilder sb = new StringBuilder();
        grouped(sb);
        return sb.toString();
    }

    /**
     * Writes the grouped dump of all live tasks to {@code out}.
     *
     * @throws UncheckedIOException if {@code out} throws
     */
    public static void grouped(Appendable out) {
        grouped0(Objects.requireNonNull(out, "out"));
    }

    /** The full dump of all live tasks, as a string. */
    public static String full() {
        StringBuilder sb = new StringBuilder();
        full(sb);
        return sb.toString();
    }

    /**
     * Writes the full dump of all live tasks to {@code out}, task by task; reads every task's stack (about 10 µs
     * each).
     *
     * @throws UncheckedIOException if {@code out} throws
     */
    public static void full(Appendable out) {
        Objects.requireNonNull(out, "out");
        List<TaskInfo> tasks = new ArrayList<>(TaskRegistry.snapshot());
        tasks.sort(Comparator.comparingLong(TaskInfo::id));
        try {
            for (TaskInfo t : tasks) {
                StackTraceElement[] stack = t.stackTrace();
                out.append(header(t, stack)).append(":\n");
                for (StackTraceElement f : Frames.trim(stack)) {
                    out.append(f.getClassName()).append('.').append(f.getMethodName()).append("(...)\n\t")
                            .append(Frames.path(f)).append(':').append(String.valueOf(f.getLineNumber())).append('\n');
                }
                StackTraceElement site = t.creationSite().orElse(null);
                if (site != null) {
                    out.append("created by ").append(site.getClassName()).append('.').append(site.getMethodName());
                    t.owner().ifPresent(o -> append(out, " in " + o));
                    out.append("\n\t").append(Frames.path(site)).append(':')
                            .append(String.valueOf(site.getLineNumber())).append('\n');
                }
                if (t.owner().isPresent()) out.append("owners: ").append(ownerChain(t.owner().get())).append('\n');
                if (t.waitingOn().isPresent()) out.append("waiting on: ").append(t.waitingOn().get()).append('\n');
                out.append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String header(TaskInfo t, StackTraceElement[] stack) {
        StringBuilder h = new StringBuilder("task ").append(t.id());
        t.name().ifPresent(n -> h.append(" \"").append(n).append('"'));
        h.append(" [").append(stateWord(t, stack));
        t.waited().ifPresent(d -> {
            long minutes = d.toMinutes();
            if (minutes >= 1) h.append(", ").append(minutes).append(" minutes");
        });
        if (t.detached()) h.append(", detached");
        return h.append(']').toString();
    }

    private static String stateWord(TaskInfo t, StackTraceElement[] stack) {
        return switch (t.state()) {
            case RUNNABLE -> stack.length > 0 && t.thread().orElse(null) == Thread.currentThread() ? "running"
                    : "runnable";
            case WAITING -> {
                String r = t.refinedWaitReason(stack);
                yield r == null ? "waiting" : r;
            }
            case UNREACHABLE -> t.waitReason() == null ? "unreachable" : t.waitReason() + ", unreachable";
        };
    }

    static String ownerChain(TaskInfo.Owner o) {
        StringBuilder sb = new StringBuilder();
        for (TaskInfo.Owner x = o; x != null; x = x.parent()) {
            if (!sb.isEmpty()) sb.append(" <- ");
            sb.append(x);
            if (x.name() != null) sb.append(" \"").append(x.name()).append('"');
        }
        return sb.toString();
    }

    private static void append(Appendable out, CharSequence s) {
        try {
            out.append(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- grouping --------------------------------------------------------------------------------------------

    /** A group as printed: a count, the stack that represents it, and whether it was sampled. */
    private record Group(int count, String reason, StackTraceElement[] frames, TaskInfo example, long oldestNanos,
                         String note) {
    }

    /** The key of an exact group: Go groups by stack; the creation site and reason are part of what we print. */
    private record ExactKey(String reason, StackKey stack, StackTraceElement site, boolean detached) {
    }

    private static void grouped0(Appendable out) {
        if (TaskRegistry.count() > EXACT_LIMIT) {
            groupedSampled(TaskRegistry.groups(SAMPLES), out);
        } else {
            List<Group> groups = exact(TaskRegistry.snapshot());
            int total = 0;
            for (Group g : groups) total += g.count();
            write(groups, total, false, out);
        }
    }

    /** The sampled grouped dump of {@code coarse}; package-private so tests can take it below the limit. */
    static void groupedSampled(List<TaskGroup> coarse, Appendable out) {
        int live = 0;
        for (TaskGroup g : coarse) live += g.count();
        write(sampled(coarse), live, true, out);
    }

    /** Groups every task by its real stack: Go's debug=1 grouping. */
    private static List<Group> exact(List<TaskInfo> tasks) {
        Map<ExactKey, List<TaskInfo>> byKey = new LinkedHashMap<>();
        for (TaskInfo t : tasks) {
            StackTraceElement[] stack = t.stackTrace();
            String reason = t.state() == TaskInfo.State.WAITING ? t.refinedWaitReason(stack) : t.waitReason();
            ExactKey k = new ExactKey(reason, new StackKey(Frames.trim(stack)), t.creationSite().orElse(null),
                    t.detached());
            byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(t);
        }
        List<Group> groups = new ArrayList<>();
        for (Map.Entry<ExactKey, List<TaskInfo>> e : byKey.entrySet()) {
            List<TaskInfo> members = e.getValue();
            groups.add(new Group(members.size(), e.getKey().reason(), e.getKey().stack().frames, members.getFirst(),
                    oldest(members), null));
        }
        return groups;
    }

    /**
     * Turns the registry's cheap groups into printed ones by reading their sampled stacks: one group when the samples
     * agree, one estimated entry per variant when they do not.
     */
    private static List<Group> sampled(List<TaskGroup> coarse) {
        List<Group> groups = new ArrayList<>();
        for (TaskGroup c : coarse) {
            Map<StackKey, List<TaskInfo>> byStack = new LinkedHashMap<>();
            Map<StackKey, String> reasons = new HashMap<>();
            for (TaskInfo t : c.sample()) {
                StackTraceElement[] stack = t.stackTrace();
                StackKey k = new StackKey(Frames.trim(stack));
                byStack.computeIfAbsent(k, x -> new ArrayList<>()).add(t);
                reasons.putIfAbsent(k, t.state() == TaskInfo.State.WAITING ? t.refinedWaitReason(stack)
                        : t.waitReason());
            }
            int read = c.sample().size();
            if (byStack.size() <= 1) {
                if (read == 0) continue; // sampleSize 0: nothing to show the group by
                TaskInfo example = c.sample().getFirst();
                StackKey k = byStack.keySet().iterator().next();
                groups.add(new Group(c.count(), reasons.getOrDefault(k, c.waitReason()), k.frames, example,
                        c.oldestWaitNanos(), "sampled: " + read + " of " + c.count() + " stacks read, all alike"));
                continue;
            }
            int variant = 0;
            for (Map.Entry<StackKey, List<TaskInfo>> e : byStack.entrySet()) {
                int share = e.getValue().size();
                int estimate = (int) Math.max(1, Math.round((double) c.count() * share / read));
                String note = "sampled: variant " + (++variant) + " of " + byStack.size() + ", " + share + " of "
                        + read + " stacks read; " + c.count() + " tasks share this creation site and wait, count is"
                        + " an estimate";
                groups.add(new Group(estimate, reasons.get(e.getKey()), e.getKey().frames, e.getValue().getFirst(),
                        c.oldestWaitNanos(), note));
            }
        }
        return groups;
    }

    private static void write(List<Group> groups, int live, boolean sampled, Appendable out) {
        groups.sort(Comparator.comparingInt(Group::count).reversed().thenComparingLong(g -> g.example().id()));
        try {
            out.append("tether tasks: ").append(String.valueOf(live)).append(" live, ")
                    .append(String.valueOf(groups.size())).append(groups.size() == 1 ? " group" : " groups")
                    .append(sampled ? " (stacks sampled: more than " + EXACT_LIMIT + " tasks)" : "").append("\n");
            for (Group g : groups) {
                out.append('\n').append(String.valueOf(g.count())).append(" @ [")
                        .append(g.reason() == null ? "runnable" : g.reason()).append(']');
                if (g.oldestNanos() >= 0) out.append(" oldest wait ").append(human(g.oldestNanos()));
                out.append('\n');
                for (StackTraceElement f : g.frames()) {
                    out.append("#\t").append(f.getClassName()).append('.').append(f.getMethodName()).append('\t')
                            .append(location(f)).append('\n');
                }
                TaskInfo ex = g.example();
                StackTraceElement site = ex.creationSite().orElse(null);
                if (site != null) {
                    out.append("#\tcreated by ").append(site.getClassName()).append('.').append(site.getMethodName())
                            .append('\t').append(location(site)).append('\n');
                }
                out.append("#\t").append(ex.owner().map(o -> "owner " + ownerChain(o)).orElse("detached"))
                        .append('\n');
                if (g.note() != null) out.append("#\t").append(g.note()).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long oldest(List<TaskInfo> members) {
        long max = -1;
        for (TaskInfo t : members) {
            Duration d = t.waited().orElse(null);
            if (d != null) max = Math.max(max, d.toNanos());
        }
        return max;
    }

    private record StackKey(StackTraceElement[] frames) {
        @Override
        public boolean equals(Object o) {
            return o instanceof StackKey k && Arrays.equals(frames, k.frames);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(frames);
        }
    }

    private static String location(StackTraceElement f) {
        String file = f.getFileName();
        return (file == null ? "?" : file) + ':' + f.getLineNumber();
    }

    static String human(long nanos) {
        double s = nanos / 1e9;
        if (s < 1) return String.format("%.0f ms", nanos / 1e6);
        if (s < 120) return String.format("%.1f s", s);
        if (s < 7200) return String.format("%.0f minutes", s / 60);
        return String.format("%.1f hours", s / 3600);
    }

    /**
     * A task's stack as dumps show it: from the operation it waits in ({@code Channel.send}, {@code Thread.sleep},
     * {@code ArrayBlockingQueue.take}, ...) down to its body, without the JDK's and Tether's machinery above and
     * below. Shared with exporters (tether-profile) so that every view of a task shows the same frames.
     *
     * @return a trimmed copy, or {@code stack} itself if there is nothing to trim
     */
    public static StackTraceElement[] trimmed(StackTraceElement[] stack) {
        return Frames.trim(stack);
    }

    /**
     * True if {@code className} is user code: not the JDK ({@code java.}, {@code javax.}, {@code jdk.}, {@code sun.},
     * {@code com.sun.}) and not Tether's core operations (package {@code dev.tether} itself and
     * {@code dev.tether.dump}; Tether's other modules, and their users, are user code). The first such frame under a
     * blocking call is where a task blocks; on a creating stack, where it was created. Shared with the test
     * verifier and the leak detector, so that they name the same lines.
     */
    public static boolean isUserCode(String className) {
        String c = className;
        return !(c.startsWith("java.") || c.startsWith("javax.") || c.startsWith("jdk.") || c.startsWith("sun.")
                || c.startsWith("com.sun.") || c.startsWith("dev.tether.dump.")
                || (c.startsWith("dev.tether.") && c.indexOf('.', "dev.tether.".length()) < 0));
    }

    /** The first frame of user code in {@code stack} ({@link #isUserCode}), or null if there is none. */
    public static StackTraceElement firstUserFrame(StackTraceElement[] stack) {
        for (StackTraceElement f : stack) if (isUserCode(f.getClassName())) return f;
        return null;
    }
}
