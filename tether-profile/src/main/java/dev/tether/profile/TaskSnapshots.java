package dev.tether.profile;

import dev.tether.TaskGroup;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.dump.TaskDump;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Captures Tether's live tasks ({@link TaskRegistry}) as a {@link Snapshot} of {@link Entry.Kind#TETHER_TASK}
 * entries, the model every dump format is read into, so that the pprof, text and JSON writers and any tool built on
 * the model see the registry as they see a Go or JVM dump.
 *
 * <pre>{@code
 * Snapshot tasks = TaskSnapshots.capture();
 * try (OutputStream out = Files.newOutputStream(Path.of("tasks.pb.gz"))) {
 *     Snapshots.write(tasks, Format.GO_PPROF, out);          // go tool pprof -traces tasks.pb.gz
 * }
 * }</pre>
 *
 * <p>Two shapes, chosen by the number of live tasks:
 * <ul>
 *   <li><b>One entry per task</b> (up to the limit): id, name, state, status and wait reason (a JDK wait named from
 *       the task's stack), the exact Tether wait, the stack (from the API frame the task waits in down to its body,
 *       without the JDK's and Tether's machinery, as {@link TaskDump} shows it), the creation site as
 *       {@link Entry#createdBy()}, the owner chain, and the spawning task's id as {@link Entry#creatorId()} when a task
 *       owns it. Reading a stack costs about 10 µs, so this is for thousands of tasks, not millions.</li>
 *   <li><b>Groups</b> (above the limit): the registry's groups by wait reason, state and creation site
 *       ({@link TaskRegistry#groups(int)}, no per-task object), {@link TaskDump#SAMPLES} (8) stacks read per
 *       group. A group whose sampled stacks agree is one entry with the group's exact count; one whose samples differ
 *       is an entry per stack seen, the group's count split between them in proportion to the samples (an estimate
 *       that adds up to the group's count). Group entries have no id or name; their {@link Entry#waited()} is the group's longest
 *       Tether wait, their owner the sampled tasks' owner if they all share one. A million tasks take about as long
 *       as {@link TaskDump#grouped()}: tens of milliseconds.</li>
 * </ul>
 * Like the registry's own snapshots, a capture is not atomic: a task that starts or ends meanwhile may or may not be
 * in it. The metadata names format {@link Format#TETHER_REGISTRY}, this process's id and name, the runtime version
 * and the time; for groups its preamble says that stacks were sampled.
 */
public final class TaskSnapshots {

    /** Stacks read per group when tasks are grouped. */
    private static final int SAMPLES = TaskDump.SAMPLES;

    private TaskSnapshots() {
    }

    /**
     * The live tasks, one entry per task when at most {@link TaskDump#EXACT_LIMIT} (10,000) are live, else grouped:
     * {@code capture(TaskDump.EXACT_LIMIT)}.
     */
    public static Snapshot capture() {
        return capture(TaskDump.EXACT_LIMIT);
    }

    /**
     * The live tasks: one entry per task when at most {@code perTaskLimit} are live, else one entry per group (see
     * the class comment). {@code 0} always groups; {@link Integer#MAX_VALUE} never does.
     *
     * @throws IllegalArgumentException if {@code perTaskLimit} is negative
     */
    public static Snapshot capture(int perTaskLimit) {
        if (perTaskLimit < 0) throw new IllegalArgumentException("perTaskLimit must be >= 0, was " + perTaskLimit);
        Instant now = Instant.now();
        Capture c = new Capture();
        List<String> preamble;
        List<Entry> entries;
        if (TaskRegistry.count() > perTaskLimit) {
            List<TaskGroup> groups = TaskRegistry.groups(SAMPLES);
            entries = c.groups(groups);
            long live = 0;
            for (TaskGroup g : groups) live += g.count();
            preamble = List.of("tether: " + live + " live tasks in " + groups.size() + " groups by wait reason, state"
                    + " and creation site; " + SAMPLES + " stacks read per group, counts of differing stacks estimated");
        } else {
            entries = c.tasks(TaskRegistry.snapshot());
            preamble = List.of();
        }
        Snapshot.Metadata m = Snapshot.Metadata.ofThisProcess(Format.TETHER_REGISTRY, "Tether task registry", now,
                preamble);
        return new Snapshot(m, entries, List.of());
    }

    /** One capture's shared frames and owners. */
    private static final class Capture {
        private final Map<StackTraceElement, Frame> frames = new HashMap<>();
        private final IdentityHashMap<TaskInfo.Owner, Owner> owners = new IdentityHashMap<>();
        private final Entry.Builder b = Entry.builder(Entry.Kind.TETHER_TASK);

        List<Entry> tasks(List<TaskInfo> tasks) {
            List<TaskInfo> sorted = new ArrayList<>(tasks);
            sorted.sort(Comparator.comparingLong(TaskInfo::id));
            List<Entry> out = new ArrayList<>(sorted.size());
            for (TaskInfo t : sorted) {
                StackTraceElement[] stack = t.stackTrace();
                b.reset(Entry.Kind.TETHER_TASK).id(t.id());
                t.name().ifPresent(b::name);
                describe(t, stack);
                t.waited().ifPresent(b::waited);
                stack(trim(stack));
                creation(t.creationSite().orElse(null), t.owner().orElse(null));
                out.add(b.build());
            }
            return out;
        }

        List<Entry> groups(List<TaskGroup> groups) {
            List<Entry> out = new ArrayList<>();
            for (TaskGroup g : groups) {
                Map<List<StackTraceElement>, List<TaskInfo>> variants = new LinkedHashMap<>();
                Map<List<StackTraceElement>, StackTraceElement[]> stacks = new HashMap<>();
                for (TaskInfo t : g.sample()) {
                    StackTraceElement[] stack = t.stackTrace();
                    List<StackTraceElement> key = Arrays.asList(trim(stack));
                    variants.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
                    stacks.putIfAbsent(key, stack);
                }
                if (variants.isEmpty()) { // no sample: the group by what the registry recorded alone
                    b.reset(Entry.Kind.TETHER_TASK).count(g.count()).state(state(g.state(), false))
                            .status(g.waitReason() != null ? g.waitReason() : stateWord(g.state(), false))
                            .waitReason(g.waitReason());
                    g.oldestWait().ifPresent(b::waited);
                    creation(g.creationSite(), null);
                    out.add(b.build());
                    continue;
                }
                int read = g.sample().size();
                int[] counts = split(g.count(), variants.values().stream().mapToInt(List::size).toArray(), read);
                int i = 0;
                for (Map.Entry<List<StackTraceElement>, List<TaskInfo>> v : variants.entrySet()) {
                    TaskInfo example = v.getValue().getFirst();
                    b.reset(Entry.Kind.TETHER_TASK).count(counts[i++]);
                    describe(example, stacks.get(v.getKey()));
                    g.oldestWait().ifPresent(b::waited);
                    for (StackTraceElement f : v.getKey()) b.addFrame(frame(f));
                    TaskInfo.Owner owner = example.owner().orElse(null);
                    for (TaskInfo t : v.getValue()) {
                        if (!Objects.equals(t.owner().orElse(null), owner)) owner = null;
                    }
                    creation(g.creationSite(), owner);
                    out.add(b.build());
                }
            }
            return out;
        }

        /** State, status and wait reason of {@code t}, whose stack is {@code stack}. */
        private void describe(TaskInfo t, StackTraceElement[] stack) {
            boolean current = t.thread().orElse(null) == Thread.currentThread();
            String reason = t.state() == TaskInfo.State.WAITING ? t.refinedWaitReason(stack) : t.waitReason();
            b.state(state(t.state(), current)).waitReason(reason)
                    .status(t.state() == TaskInfo.State.WAITING && reason != null ? reason : stateWord(t.state(), current));
        }

        private void stack(StackTraceElement[] stack) {
            for (StackTraceElement f : stack) b.addFrame(frame(f));
        }

        private void creation(StackTraceElement site, TaskInfo.Owner owner) {
            if (site != null) b.createdBy(frame(site));
            if (owner != null) {
                b.owner(owner(owner));
                if (owner.kind() == TaskInfo.Owner.Kind.TASK) b.creatorId(owner.id());
            }
        }

        private Frame frame(StackTraceElement e) {
            Frame f = frames.get(e);
            if (f == null) frames.put(e, f = Frame.of(e));
            return f;
        }

        private Owner owner(TaskInfo.Owner o) {
            Owner done = owners.get(o);
            if (done != null) return done;
            Owner parent = o.parent() == null ? null : owner(o.parent());
            done = new Owner(o.kind().name().toLowerCase(Locale.ROOT), o.id(), o.name(),
                    o.site() == null ? null : frame(o.site()), parent);
            owners.put(o, done);
            return done;
        }
    }

    private static Entry.State state(TaskInfo.State s, boolean current) {
        return switch (s) {
            case RUNNABLE -> current ? Entry.State.RUNNING : Entry.State.RUNNABLE;
            case WAITING, UNREACHABLE -> Entry.State.WAITING; // unreachable: blocked for good
        };
    }

    private static String stateWord(TaskInfo.State s, boolean current) {
        return switch (s) {
            case RUNNABLE -> current ? "running" : "runnable";
            case WAITING -> "waiting";
            case UNREACHABLE -> "unreachable";
        };
    }

    /**
     * Splits {@code total} in proportion to {@code shares} (summing to {@code read}), each part at least 1, the
     * parts summing to {@code total}: largest remainders get the rest.
     */
    static int[] split(int total, int[] shares, int read) {
        int n = shares.length;
        int[] out = new int[n];
        long[] rest = new long[n];
        int given = 0;
        for (int i = 0; i < n; i++) {
            long scaled = (long) total * shares[i];
            out[i] = (int) Math.max(1, scaled / read);
            rest[i] = scaled % read;
            given += out[i];
        }
        while (given < total) {
            int best = 0;
            for (int i = 1; i < n; i++) if (rest[i] > rest[best]) best = i;
            out[best]++;
            rest[best] = -1;
            given++;
        }
        while (given > total) { // only when a tiny share was raised to 1
            int big = 0;
            for (int i = 1; i < n; i++) if (out[i] > out[big]) big = i;
            out[big]--;
            given--;
        }
        return out;
    }

    /** The stack as Tether's own dumps show it. */
    static StackTraceElement[] trim(StackTraceElement[] stack) {
        return dev.tether.dump.TaskDump.trimmed(stack);
    }
}
