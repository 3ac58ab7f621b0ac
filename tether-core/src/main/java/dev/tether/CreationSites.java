package dev.tether;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the frame of user code that called into Tether (to record where a task was spawned or a scope opened),
 * sharing one {@link StackTraceElement} per distinct site so that a million tasks spawned at one line cost one
 * element, not a million.
 *
 * <p>A stack walk costs about 2 µs, as much as a whole virtual-thread start and join. Most task bodies are lambdas,
 * and each lambda expression has its own hidden class, written at one place in the source; so for a lambda (or
 * method reference) body the site found on its first spawn is cached against its class and later spawns of the same
 * lambda reuse it. The cost: a lambda object that is passed around and spawned from several places is reported at
 * the first of them. {@code -Dtether.exactCreationSites=true} walks the stack on every spawn instead.
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

    private static final boolean EXACT = Boolean.getBoolean("tether.exactCreationSites");

    /** Per lambda class, the site of its first spawn; a one-element array written at most once (racily, benignly). */
    private static final ClassValue<StackTraceElement[]> BY_BODY = new ClassValue<>() {
        @Override
        protected StackTraceElement[] computeValue(Class<?> type) {
            return new StackTraceElement[1];
        }
    };

    /** A body class and its site: the last one looked up, checked before {@link #BY_BODY}. */
    private record Last(Class<?> type, StackTraceElement site) {
    }

    /**
     * The last lookup's answer. A loop spawning one lambda finds it here, without the {@link ClassValue} lookup
     * (2–3% of a group fan-out's time in a profile). Written racily: a record's fields are final,
     * so a reader sees either a whole earlier answer or a whole later one, and both are right for their class.
     */
    private static Last last;

    /** The site that spawned a task whose body is an instance of {@code bodyClass}. */
    static StackTraceElement caller(Class<?> bodyClass) {
        Last l = last;
        if (l != null && l.type == bodyClass) return l.site;
        if (EXACT || !bodyClass.isHidden()) return caller();
        StackTraceElement[] slot = BY_BODY.get(bodyClass);
        StackTraceElement e = slot[0];
        if (e == null) slot[0] = e = caller(); // StackTraceElement is immutable: a racy publication is safe
        last = new Last(bodyClass, e);
        return e;
    }

    /**
     * Where a scope, group or pool is being opened: recorded only with {@code -Dtether.exactCreationSites=true}.
     * An owner has no lambda class to cache the site by, and the stack walk would cost more than opening it; its
     * tasks' creation sites, which dumps show, are recorded either way.
     */
    static StackTraceElement ownerSite() {
        return EXACT ? caller() : null;
    }

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
