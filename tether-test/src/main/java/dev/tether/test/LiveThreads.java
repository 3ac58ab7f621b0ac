package dev.tether.test;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Every live thread of the JVM, virtual ones included.
 *
 * <p>{@code Thread.getAllStackTraces()} and {@code ThreadGroup.enumerate} list platform threads only. The JDK does
 * track virtual threads, in its <em>thread containers</em> (the tree its own thread dumps walk: the root container,
 * one per {@code newThreadPerTaskExecutor}, one per {@code StructuredTaskScope}), but that tree is internal
 * ({@code jdk.internal.vm}) and needs {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}. Without the
 * export, only platform threads are listed here, and callers add the Tether tasks they learn of from the registry.
 * With {@code -Djdk.trackAllThreads=false}, the JDK itself forgets virtual threads started outside executors and
 * scopes, and so does this.
 */
final class LiveThreads {
    private LiveThreads() {
    }

    /** ThreadContainers.root(), ThreadContainer.threads() and children(); null if jdk.internal.vm is closed. */
    private static final MethodHandle ROOT, THREADS, CHILDREN;

    static {
        MethodHandle root = null, threads = null, children = null;
        try {
            Class<?> containers = Class.forName("jdk.internal.vm.ThreadContainers");
            Class<?> container = Class.forName("jdk.internal.vm.ThreadContainer");
            MethodHandles.Lookup lookup = MethodHandles.lookup(); // publicLookup cannot use a qualified export
            root = lookup.findStatic(containers, "root", MethodType.methodType(container));
            threads = lookup.findVirtual(container, "threads", MethodType.methodType(Stream.class));
            children = lookup.findVirtual(container, "children", MethodType.methodType(Stream.class));
            root.invoke(); // fails here if the package is not exported to us
        } catch (Throwable e) {
            root = null;
        }
        ROOT = root;
        THREADS = threads;
        CHILDREN = children;
    }

    /** True if raw virtual threads are visible. */
    static boolean seesVirtualThreads() {
        return ROOT != null;
    }

    /**
     * Calls {@code action} once for every live thread now: all platform threads, and virtual threads when
     * {@link #seesVirtualThreads()}. Collects nothing, so that a check over ten thousand threads allocates little.
     * Never throws; in the unlikely case that walking the JDK's containers fails half-way, a thread may be visited
     * twice.
     */
    static void forEach(Consumer<Thread> action) {
        if (ROOT != null) {
            try {
                walk(ROOT.invoke(), action, Collections.newSetFromMap(new IdentityHashMap<>()));
                return;
            } catch (Throwable e) {
                // The JDK's internals changed under us: a leak check must not fail for that. Fall back to what the
                // public API shows; a thread may then be visited twice, which callers tolerate.
            }
        }
        platformThreads(action);
    }

    /** Every live thread now, as {@link #forEach}. */
    static List<Thread> all() {
        List<Thread> out = new ArrayList<>();
        forEach(out::add);
        return out;
    }

    /** All live platform threads, from the root thread group: no stacks taken, unlike getAllStackTraces. */
    private static void platformThreads(Consumer<Thread> out) {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) root = root.getParent();
        Thread[] ts;
        int n;
        do {
            ts = new Thread[root.activeCount() + 16];
            n = root.enumerate(ts, true);
        } while (n == ts.length); // grew meanwhile: retry with room
        for (int i = 0; i < n; i++) out.accept(ts[i]);
    }

    /** Visits the threads of {@code container} and its descendants, each container once. */
    @SuppressWarnings("unchecked")
    private static void walk(Object container, Consumer<Thread> action, Set<Object> seen) throws Throwable {
        if (!seen.add(container)) return;
        ((Stream<Thread>) THREADS.invoke(container)).forEach(action);
        List<Object> kids = ((Stream<Object>) CHILDREN.invoke(container)).toList();
        for (Object k : kids) walk(k, action, seen);
    }
}
