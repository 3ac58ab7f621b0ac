package dev.tether.profile;

import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.RandomAccess;
import java.util.TreeMap;

/**
 * One goroutine, thread or Tether task of a {@link Snapshot}, or a group of identical ones: Go's {@code debug=1}
 * profile and pprof profile list each distinct stack once with a {@link #count()}, and so does a grouped capture of
 * Tether's registry; every other format lists one entry per goroutine or thread, with a count of 1.
 *
 * <p>What an entry carries depends on what its format shows; what the format lacks is empty, never guessed:
 * <ul>
 *   <li>Go {@code debug=2} and crash tracebacks: id, {@link #status()} and wait reason, {@code N minutes},
 *       {@code locked to thread}, the stack as printed (with inlined frames, without the runtime frames Go hides),
 *       {@code ...additional frames elided...}, the creating function and (Go ≥ 1.21) the creator's id. No labels
 *       (Go does not print them there).</li>
 *   <li>Go {@code debug=1}: a count, the program counters, the frames Go lists ({@code #} lines, none for
 *       {@code runtime} functions), labels. No id, state, wait reason or creator.</li>
 *   <li>Go pprof ({@code debug=0}): a count, every frame including the runtime's (an inlined call is an
 *       {@linkplain Frame#inlined() inlined} frame), the locations' addresses as program counters, string labels.
 *       No id, state, wait reason or creator (but see {@link Snapshots#write} for profiles Tether wrote).</li>
 *   <li>Tether's registry ({@link TaskSnapshots}): id, name, state, wait reason, exact Tether wait, stack, creation
 *       site, owner chain; a group when there are many tasks.</li>
 *   <li>JDK JSON: id, name, kind, state, stack, {@code parkBlocker}, {@code blockedOn}, {@code waitingOn},
 *       {@code monitorsOwned}, carrier, thread container as {@link #owner()}. JDK 21 dumps lack the state and the
 *       lock fields.</li>
 *   <li>JDK plain text: id, name, kind, state, stack, and the same locks from its {@code - locked <...>} lines.</li>
 *   <li>jstack: platform and JVM-internal threads (not unmounted virtual threads), {@code java.lang.Thread.State}
 *       line, monitors and ownable synchronizers; a mounted virtual thread is an entry of its own with its id, its
 *       carrier and its stack, but no name or state.</li>
 * </ul>
 *
 * <p>Instances are immutable. Build one with {@link #builder(Kind)}.
 */
public final class Entry {

    /** What an entry is. */
    public enum Kind {
        /** A Go goroutine. */
        GOROUTINE,
        /** A task of Tether's registry. */
        TETHER_TASK,
        /** A JVM virtual thread. */
        VIRTUAL_THREAD,
        /** A JVM platform thread (a Java thread backed by an OS thread, including carriers). */
        PLATFORM_THREAD,
        /** A thread the JVM runs for itself (GC, compiler, {@code VM Thread}): no Java id, no stack; only jstack lists them. */
        JVM_INTERNAL_THREAD
    }

    /**
     * What an entry was doing, in one vocabulary for both runtimes. The dump's own word is {@link #status()}.
     * Go's waits (every bracket text other than {@code running}, {@code runnable}, {@code syscall}, ...) are
     * {@link #WAITING}; the JVM's states map one to one.
     */
    public enum State {
        /** On a CPU (Go {@code running}). */
        RUNNING,
        /** Ready to run, or running (JVM {@code RUNNABLE}, which includes threads in native code). */
        RUNNABLE,
        /** In a system call (Go {@code syscall}). */
        SYSCALL,
        /** Parked or waiting for something: any Go wait reason, JVM {@code WAITING}. */
        WAITING,
        /** JVM {@code TIMED_WAITING}. */
        TIMED_WAITING,
        /** Waiting to enter a monitor (JVM {@code BLOCKED}). */
        BLOCKED,
        /** Created, not started (JVM {@code NEW}, Go {@code idle}). */
        NEW,
        /** Finished (JVM {@code TERMINATED}, Go {@code dead}). */
        TERMINATED,
        /** The format does not say (Go {@code debug=1}, JDK 21 JSON, a mounted virtual thread in jstack). */
        UNKNOWN
    }

    private static final long NONE = Long.MIN_VALUE;

    private final int count;
    private final Kind kind;
    private final long id;
    private final String name;
    private final State state;
    private final String status;
    private final String waitReason;
    private final Duration waited;
    private final boolean lockedToThread;
    private final List<Frame> stack;
    private final boolean stackTruncated;
    private final List<Long> programCounters;
    private final Frame createdBy;
    private final long creatorId;
    private final Map<String, String> labels;
    private final Owner owner;
    private final ObjectRef blockedOn;
    private final ObjectRef parkBlocker;
    private final ObjectRef waitingOn;
    private final List<HeldLock> locksHeld;
    private final long carrierId;

    private Entry(Builder b) {
        this.count = b.count;
        this.kind = b.kind;
        this.id = b.id;
        this.name = b.name;
        this.state = b.state;
        this.status = b.status;
        this.waitReason = b.waitReason;
        this.waited = b.waited;
        this.lockedToThread = b.lockedToThread;
        this.stack = b.stack.isEmpty() ? List.of() : List.copyOf(b.stack);
        this.stackTruncated = b.stackTruncated;
        this.programCounters = b.programCounters;
        this.createdBy = b.createdBy;
        this.creatorId = b.creatorId;
        this.labels = b.labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(b.labels));
        this.owner = b.owner;
        this.blockedOn = b.blockedOn;
        this.parkBlocker = b.parkBlocker;
        this.waitingOn = b.waitingOn;
        this.locksHeld = b.locksHeld == null ? List.of() : List.copyOf(b.locksHeld);
        this.carrierId = b.carrierId;
    }

    /** A builder for an entry of the given kind, with a count of 1 and state {@link State#UNKNOWN}. */
    public static Builder builder(Kind kind) {
        return new Builder(kind);
    }

    /** How many identical goroutines or threads this entry stands for: at least 1, more only for grouped formats. */
    public int count() {
        return count;
    }

    /** What this entry is. */
    public Kind kind() {
        return kind;
    }

    /** The goroutine id, JVM thread id ({@code tid}, {@code #N}) or task id; empty for groups and JVM-internal threads. */
    public OptionalLong id() {
        return id == NONE ? OptionalLong.empty() : OptionalLong.of(id);
    }

    /** The thread's or task's name; empty for goroutines and where the dump gives none. Unnamed virtual threads have {@code ""}. */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    /** What the entry was doing; {@link State#UNKNOWN} when the format does not say. */
    public State state() {
        return state;
    }

    /**
     * The state exactly as the dump prints it: Go's bracket text without the annotations ({@code chan receive},
     * {@code running}), the JDK's {@code WAITING}, jstack's {@code WAITING (parking)}; empty if not printed.
     */
    public Optional<String> status() {
        return Optional.ofNullable(status);
    }

    /**
     * Why the entry waits, in the dump's words: Go's wait reason ({@code chan send}, {@code semacquire},
     * {@code chan receive (nil chan)}) or jstack's parenthesis ({@code parking}, {@code on object monitor},
     * {@code sleeping}); empty when running or when the format does not name the wait (JDK JSON and plain text,
     * whose waits show in {@link #parkBlocker()}, {@link #blockedOn()} and {@link #waitingOn()}).
     */
    public Optional<String> waitReason() {
        return Optional.ofNullable(waitReason);
    }

    /**
     * How long the entry had been waiting, if the dump says: Go prints whole minutes from one minute on (approximate,
     * and possibly older than the actual block: see Go's traceback notes); Tether tasks carry the exact wait (a group
     * of them its longest).
     */
    public Optional<Duration> waited() {
        return Optional.ofNullable(waited);
    }

    /** True if Go printed {@code locked to thread} (the goroutine called {@code runtime.LockOSThread}). */
    public boolean lockedToThread() {
        return lockedToThread;
    }

    /** The stack, innermost frame first, as the dump prints it; empty if it prints none. */
    public List<Frame> stack() {
        return stack;
    }

    /**
     * True if the dump says frames were left out ({@code ...additional frames elided...}, {@code ...N frames
     * elided...}). False does not prove the stack complete: Go silently stops at 100 frames (counting hidden runtime
     * frames) in tracebacks and at 32 or 128 program counters in profiles.
     */
    public boolean stackTruncated() {
        return stackTruncated;
    }

    /**
     * The program counters of a Go {@code debug=1} record ({@code N @ 0x... 0x...}), innermost first; there are
     * usually more of them than {@link #stack()} frames, as {@code runtime} frames have no {@code #} line. For a pprof
     * sample, its locations' addresses (one per location: fewer than frames where calls were inlined). Empty for
     * other formats.
     */
    public List<Long> programCounters() {
        return programCounters;
    }

    /** The function that started this goroutine or task and where, from {@code created by}; empty if not printed. */
    public Optional<Frame> createdBy() {
        return Optional.ofNullable(createdBy);
    }

    /** The id of the goroutine or task that created this one (Go ≥ 1.21: {@code created by f in goroutine N}). */
    public OptionalLong creatorId() {
        return creatorId == NONE ? OptionalLong.empty() : OptionalLong.of(creatorId);
    }

    /** Profiler labels ({@code pprof.Do}), sorted by key; empty if none or not shown by the format. */
    public Map<String, String> labels() {
        return labels;
    }

    /** What owns this entry: a Tether scope or task, or the JDK thread container (other than the root one). */
    public Optional<Owner> owner() {
        return Optional.ofNullable(owner);
    }

    /** The monitor a JVM thread waits to enter ({@code BLOCKED}: {@code blockedOn}, {@code - waiting to lock}). */
    public Optional<ObjectRef> blockedOn() {
        return Optional.ofNullable(blockedOn);
    }

    /**
     * The object a JVM thread is parked on ({@code LockSupport.park(blocker)}: {@code parkBlocker},
     * {@code - parking to wait for}): a lock's sync object, a condition, a latch. The dumps do not say who owns it.
     */
    public Optional<ObjectRef> parkBlocker() {
        return Optional.ofNullable(parkBlocker);
    }

    /** The monitor of a JVM thread in {@code Object.wait()} ({@code waitingOn}, {@code - waiting on}). */
    public Optional<ObjectRef> waitingOn() {
        return Optional.ofNullable(waitingOn);
    }

    /** The monitors and ownable synchronizers a JVM thread holds, in the dump's order. */
    public List<HeldLock> locksHeld() {
        return locksHeld;
    }

    /** The id of the platform thread carrying this virtual thread, if it was mounted when dumped and the dump says. */
    public OptionalLong carrierId() {
        return carrierId == NONE ? OptionalLong.empty() : OptionalLong.of(carrierId);
    }

    /** Value equality: the same kind, count, id and every other field. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e && count == e.count && kind == e.kind && id == e.id && state == e.state
                && lockedToThread == e.lockedToThread && stackTruncated == e.stackTruncated && creatorId == e.creatorId
                && carrierId == e.carrierId && Objects.equals(name, e.name) && Objects.equals(status, e.status)
                && Objects.equals(waitReason, e.waitReason) && Objects.equals(waited, e.waited)
                && stack.equals(e.stack) && programCounters.equals(e.programCounters)
                && Objects.equals(createdBy, e.createdBy) && labels.equals(e.labels) && Objects.equals(owner, e.owner)
                && Objects.equals(blockedOn, e.blockedOn) && Objects.equals(parkBlocker, e.parkBlocker)
                && Objects.equals(waitingOn, e.waitingOn) && locksHeld.equals(e.locksHeld);
    }

    @Override
    public int hashCode() {
        return Objects.hash(count, kind, id, name, state, status, stack, createdBy, labels, carrierId);
    }

    /** E.g. {@code goroutine 17 [chan send]}, {@code 40 × goroutine [chan send]}, {@code virtual thread #22 "handoff-0" [WAITING]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (count > 1) sb.append(count).append(" × ");
        sb.append(switch (kind) {
            case GOROUTINE -> "goroutine";
            case TETHER_TASK -> "task";
            case VIRTUAL_THREAD -> "virtual thread";
            case PLATFORM_THREAD -> "thread";
            case JVM_INTERNAL_THREAD -> "JVM thread";
        });
        if (id != NONE) sb.append(kind == Kind.GOROUTINE || kind == Kind.TETHER_TASK ? " " : " #").append(id);
        if (name != null) sb.append(" \"").append(name).append('"');
        sb.append(" [").append(status != null ? status : state.name());
        if (waited != null && waited.toMinutes() > 0) sb.append(", ").append(waited.toMinutes()).append(" minutes");
        if (lockedToThread) sb.append(", locked to thread");
        return sb.append(']').toString();
    }

    /** An immutable list view of a {@code long[]}: a record's program counters cost 8 bytes each, not a boxed Long. */
    private static final class Longs extends AbstractList<Long> implements RandomAccess {
        private final long[] values;

        Longs(long[] values) {
            this.values = values;
        }

        @Override
        public Long get(int index) {
            return values[index];
        }

        @Override
        public int size() {
            return values.length;
        }
    }

    /**
     * Collects an entry's fields. Only {@link #build()} checks them; a builder can be reused after it (the lists are
     * copied).
     */
    public static final class Builder {
        private int count = 1;
        private Kind kind;
        private long id = NONE;
        private String name;
        private State state = State.UNKNOWN;
        private String status;
        private String waitReason;
        private Duration waited;
        private boolean lockedToThread;
        private final ArrayList<Frame> stack = new ArrayList<>();
        private boolean stackTruncated;
        private List<Long> programCounters = List.of();
        private Frame createdBy;
        private long creatorId = NONE;
        private Map<String, String> labels;
        private Owner owner;
        private ObjectRef blockedOn;
        private ObjectRef parkBlocker;
        private ObjectRef waitingOn;
        private ArrayList<HeldLock> locksHeld;
        private long carrierId = NONE;

        private Builder(Kind kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
        }

        /** Clears every field, as a new builder of {@code kind} would have them. */
        Builder reset(Kind kind) {
            this.kind = kind;
            count = 1;
            id = NONE;
            name = null;
            state = State.UNKNOWN;
            status = null;
            waitReason = null;
            waited = null;
            lockedToThread = false;
            stack.clear();
            stackTruncated = false;
            programCounters = List.of();
            createdBy = null;
            creatorId = NONE;
            labels = null;
            owner = null;
            blockedOn = null;
            parkBlocker = null;
            waitingOn = null;
            locksHeld = null;
            carrierId = NONE;
            return this;
        }

        /** @see Entry#kind() */
        public Builder kind(Kind kind) {
            this.kind = Objects.requireNonNull(kind, "kind");
            return this;
        }

        /** @see Entry#count() */
        public Builder count(int count) {
            this.count = count;
            return this;
        }

        /** @see Entry#id() */
        public Builder id(long id) {
            this.id = id;
            return this;
        }

        /** @see Entry#name() */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** @see Entry#state() */
        public Builder state(State state) {
            this.state = Objects.requireNonNull(state, "state");
            return this;
        }

        /** @see Entry#status() */
        public Builder status(String status) {
            this.status = status;
            return this;
        }

        /** @see Entry#waitReason() */
        public Builder waitReason(String waitReason) {
            this.waitReason = waitReason;
            return this;
        }

        /** @see Entry#waited() */
        public Builder waited(Duration waited) {
            this.waited = waited;
            return this;
        }

        /** @see Entry#lockedToThread() */
        public Builder lockedToThread(boolean lockedToThread) {
            this.lockedToThread = lockedToThread;
            return this;
        }

        /** Appends a frame below those added so far (the first one added is the innermost). */
        public Builder addFrame(Frame frame) {
            stack.add(Objects.requireNonNull(frame, "frame"));
            return this;
        }

        /** Replaces the stack ({@link Entry#stack()}), innermost frame first. */
        public Builder stack(List<Frame> frames) {
            stack.clear();
            for (Frame f : frames) addFrame(f);
            return this;
        }

        /** The number of frames added so far. */
        public int frameCount() {
            return stack.size();
        }

        /** The outermost frame added so far, or null. */
        Frame lastFrame() {
            return stack.isEmpty() ? null : stack.getLast();
        }

        /** @see Entry#stackTruncated() */
        public Builder stackTruncated(boolean truncated) {
            this.stackTruncated = truncated;
            return this;
        }

        /** @see Entry#programCounters() */
        public Builder programCounters(List<Long> pcs) {
            long[] a = new long[pcs.size()];
            for (int i = 0; i < a.length; i++) a[i] = pcs.get(i);
            return programCounters(a, a.length);
        }

        /** The first {@code n} of {@code pcs}, copied; unboxed for readers. */
        Builder programCounters(long[] pcs, int n) {
            this.programCounters = n == 0 ? List.of() : new Longs(Arrays.copyOf(pcs, n));
            return this;
        }

        /** @see Entry#createdBy() */
        public Builder createdBy(Frame createdBy) {
            this.createdBy = createdBy;
            return this;
        }

        /** @see Entry#creatorId() */
        public Builder creatorId(long creatorId) {
            this.creatorId = creatorId;
            return this;
        }

        /** Adds a label ({@link Entry#labels()}), replacing one with the same key. */
        public Builder label(String key, String value) {
            if (labels == null) labels = new TreeMap<>();
            labels.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** @see Entry#owner() */
        public Builder owner(Owner owner) {
            this.owner = owner;
            return this;
        }

        /** @see Entry#blockedOn() */
        public Builder blockedOn(ObjectRef lock) {
            this.blockedOn = lock;
            return this;
        }

        /** @see Entry#parkBlocker() */
        public Builder parkBlocker(ObjectRef blocker) {
            this.parkBlocker = blocker;
            return this;
        }

        /** @see Entry#waitingOn() */
        public Builder waitingOn(ObjectRef monitor) {
            this.waitingOn = monitor;
            return this;
        }

        /** Adds a held lock ({@link Entry#locksHeld()}). */
        public Builder addHeldLock(HeldLock lock) {
            if (locksHeld == null) locksHeld = new ArrayList<>(2);
            locksHeld.add(Objects.requireNonNull(lock, "lock"));
            return this;
        }

        /** @see Entry#carrierId() */
        public Builder carrierId(long carrierId) {
            this.carrierId = carrierId;
            return this;
        }

        /**
         * A new entry with the fields set so far.
         *
         * @throws IllegalStateException if the count is below 1, or a held monitor's frame index is outside the stack
         */
        public Entry build() {
            if (count < 1) throw new IllegalStateException("count " + count + " < 1");
            if (locksHeld != null) {
                for (HeldLock l : locksHeld) {
                    if (l.frameIndex() >= stack.size()) {
                        throw new IllegalStateException("lock " + l.lock() + " held in frame " + l.frameIndex()
                                + " of a " + stack.size() + "-frame stack");
                    }
                }
            }
            return new Entry(this);
        }
    }
}
