package dev.tether;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the frame of user code that called into Tether (to record where a task was spawned or a scope opened),
 * sharing one {@link StackTraceElement} per distinct site so that a million tasks spawned at one line cost one
 * element, not a million.
 */
final class CreationSites {
    private CreationSites() {
    }

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final String TETHER = "dev.tether";
    private static final int MAX_SITES = 1 << 16;

    private record Key(Class<?> type, String method, int bci) {
    }

    private static final ConcurrentHashMap<Key, StackTraceElement> SITES = new ConcurrentHashMap<>();

    /** The first frame outside package {@code dev.tether} (not its subpackages), or null if there is none. */
    static StackTraceElement caller() {
        StackWalker.StackFrame f = WALKER.walk(s -> s
                .filter(x -> !x.getDeclaringClass().getPackageName().equals(TETHER))
                .findFirst().orElse(null));
        if (f == null) return null;
        Key k = new Key(f.getDeclaringClass(), f.getMethodName(), f.getByteCodeIndex());
        StackTraceElement e = SITES.get(k);
        if (e == null) {
            e = f.toStackTraceElement();
            if (SITES.size() < MAX_SITES) { // bound the cache: generated code could make sites without end
                StackTraceElement prior = SITES.putIfAbsent(k, e);
                if (prior != null) e = prior;
            }
        }
        return e;
    }
}
