package dev.tether.test;

import dev.tether.dump.TaskDump;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Which test created a thread, and where: carried by an {@link InheritableThreadLocal} that the JUnit integration
 * sets on a test's thread while the test runs.
 *
 * <p>Why this works for every kind of thread: a new thread (platform or virtual, raw or a Tether task, or an
 * executor's worker) copies its creator's inheritable thread-locals while it is being constructed, and it does so by
 * calling {@link InheritableThreadLocal#childValue} <em>in the creating thread</em>. That hook therefore sees both the
 * creator's blame and the creator's stack, so it records the test and the creation site, which the JDK itself
 * records nowhere.
 *
 * <p>Reading another thread's inheritable thread-local needs deep reflection into {@code java.lang.Thread}
 * ({@code --add-opens java.base/java.lang=ALL-UNNAMED}); without it {@link #of(Thread)} returns null and reports say
 * so. A thread built with {@code inheritInheritableThreadLocals(false)} carries no blame.
 *
 * @param test     the test's display path, e.g. {@code CheckoutTest > timesOut()}
 * @param uniqueId the test's JUnit unique id, which identifies it even when display names repeat
 * @param site     where the thread was created: the first frame of the creating stack outside the JDK and
 *                 Tether's own thread machinery; null if none
 */
record Blame(String test, String uniqueId, StackTraceElement site) {

    private static final StackWalker WALKER = StackWalker.getInstance();

    private static final InheritableThreadLocal<Blame> CURRENT = new InheritableThreadLocal<>() {
        @Override
        protected Blame childValue(Blame parent) {
            return parent == null ? null : new Blame(parent.test, parent.uniqueId, creationSite());
        }
    };

    /** Sets the blame for threads the calling thread creates from now on; returns the previous one to restore. */
    static Blame enter(String test, String uniqueId) {
        Blame prev = CURRENT.get();
        CURRENT.set(new Blame(test, uniqueId, null));
        return prev;
    }

    static void restore(Blame prev) {
        if (prev == null) CURRENT.remove();
        else CURRENT.set(prev);
    }

    /** True if the blamed test is the test or container with JUnit unique id {@code id}, or lies within it. */
    boolean isWithin(String id) {
        return uniqueId.equals(id) || uniqueId.startsWith(id) && uniqueId.charAt(id.length()) == '/';
    }

    /** The blame of the calling thread (set by {@link #enter} or inherited), or null. */
    static Blame current() {
        return CURRENT.get();
    }

    private static StackTraceElement creationSite() {
        return WALKER.walk(s -> s.map(StackWalker.StackFrame::toStackTraceElement)
                .filter(f -> !isThreadMachinery(f.getClassName()) && !f.getClassName().startsWith(Blame.class.getName()))
                .findFirst().orElse(null));
    }

    /**
     * Frames of the JDK and of Tether's core: not user code ({@link TaskDump#isUserCode}). The first frame after
     * them on a creating stack is the creation site; on a leaked thread's stack, the first frame of user code.
     */
    static boolean isThreadMachinery(String c) {
        return !TaskDump.isUserCode(c);
    }

    // ---- reading another thread's blame ---------------------------------------------------------------------

    private static final Field INHERITABLE;
    private static final Method GET_ENTRY;
    private static final Field ENTRY_VALUE;

    static {
        Field f = null, v = null;
        Method m = null;
        try {
            f = Thread.class.getDeclaredField("inheritableThreadLocals");
            f.setAccessible(true);
            Class<?> map = Class.forName("java.lang.ThreadLocal$ThreadLocalMap");
            m = map.getDeclaredMethod("getEntry", ThreadLocal.class);
            m.setAccessible(true);
            Class<?> entry = Class.forName("java.lang.ThreadLocal$ThreadLocalMap$Entry");
            v = entry.getDeclaredField("value");
            v.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            f = null; // java.lang not opened to us: blame is unavailable
        }
        INHERITABLE = f;
        GET_ENTRY = m;
        ENTRY_VALUE = v;
    }

    /** True if other threads' blame can be read ({@code java.lang} is open to this module). */
    static boolean readable() {
        return INHERITABLE != null;
    }

    /** The blame {@code t} was created with, or null if none or unreadable. */
    static Blame of(Thread t) {
        if (INHERITABLE == null) return null;
        try {
            Object map = INHERITABLE.get(t);
            if (map == null) return null;
            Object entry = GET_ENTRY.invoke(map, CURRENT);
            return entry == null ? null : (Blame) ENTRY_VALUE.get(entry);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // a thread racing to exit may have cleared its map
        }
    }
}
