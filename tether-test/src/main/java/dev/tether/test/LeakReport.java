package dev.tether.test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link Leaks#find} found: the leaked threads and tasks, and a report written for the developer who reads it
 * in a CI log ({@link #toString()}). Leaks at one site are grouped: {@code 412 virtual threads [queue put] blocked in
 * java.util.concurrent.SynchronousQueue.put at CheckoutHandler.java:60, created at CheckoutHandler.handle
 * (CheckoutHandler.java:57), by test CheckoutTest > timesOut()}, then one representative stack with the first frame
 * of user code marked {@code >}.
 */
public final class LeakReport {
    private final List<LeakedThread> leaks;
    private final boolean seesVirtual, seesBlame;

    LeakReport(List<LeakedThread> leaks, boolean seesVirtual, boolean seesBlame) {
        this.leaks = List.copyOf(leaks);
        this.seesVirtual = seesVirtual;
        this.seesBlame = seesBlame;
    }

    /** The leaks, in no particular order. */
    public List<LeakedThread> leaks() {
        return leaks;
    }

    /** True if nothing leaked. */
    public boolean isEmpty() {
        return leaks.isEmpty();
    }

    /** True if raw virtual threads were visible to the check (see {@link Leaks}). */
    public boolean sawVirtualThreads() {
        return seesVirtual;
    }

    /** Leaks grouped by (kind, wait, blocking frame, first user frame, creation site, test), largest group first. */
    public List<List<LeakedThread>> groups() {
        Map<List<Object>, List<LeakedThread>> byKey = new LinkedHashMap<>();
        for (LeakedThread l : leaks) {
            List<Object> key = new ArrayList<>(6);
            key.add(l.kind());
            key.add(Objects.requireNonNullElse(l.waitReason(), l.state()));
            key.add(l.topFrame().map(LeakReport::method).orElse(""));
            key.add(l.firstUserFrame().map(Object::toString).orElse(""));
            key.add(Objects.toString(l.creationSite(), ""));
            key.add(Objects.toString(l.test(), ""));
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(l);
        }
        List<List<LeakedThread>> groups = new ArrayList<>(byKey.values());
        groups.sort(Comparator.comparingInt((List<LeakedThread> g) -> g.size()).reversed());
        return groups;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        List<List<LeakedThread>> groups = groups();
        if (leaks.isEmpty()) b.append("no leaked threads or tasks\n");
        else b.append("found ").append(leaks.size()).append(leaks.size() == 1 ? " leaked thread" : " leaked threads")
                .append(groups.size() > 1 ? " in " + groups.size() + " groups" : "").append('\n');
        if (!seesVirtual) {
            b.append("(raw virtual threads were not visible: run the JVM with "
                    + "--add-exports java.base/jdk.internal.vm=ALL-UNNAMED)\n");
        }
        if (!seesBlame) {
            b.append("(the creating test and site of raw threads are unknown: run the JVM with "
                    + "--add-opens java.base/java.lang=ALL-UNNAMED)\n");
        }
        for (List<LeakedThread> g : groups) {
            b.append('\n');
            appendGroup(b, g);
        }
        return b.toString();
    }

    private static void appendGroup(StringBuilder b, List<LeakedThread> g) {
        LeakedThread l = g.getFirst();
        b.append(g.size()).append(' ').append(g.size() == 1 ? l.kind().one : l.kind().many);
        if (l.waitReason() != null) b.append(" [").append(l.waitReason()).append(']');
        else b.append(" [").append(l.state()).append(']');
        l.topFrame().ifPresent(f -> b.append(" blocked in ").append(method(f)));
        l.firstUserFrame().ifPresent(f -> b.append(" at ").append(fileLine(f)));
        if (l.creationSite() != null) b.append(", created at ").append(l.creationSite());
        if (l.test() != null) b.append(", by test ").append(l.test());
        b.append('\n');
        b.append("  e.g. ").append(l.kind().one).append(" #").append(l.id());
        if (!l.name().isEmpty()) b.append(" \"").append(l.name()).append('"');
        b.append(" [").append(l.state());
        if (l.waited() != null) b.append(", waited ").append(Leaks.human(l.waited()));
        b.append("]\n");
        for (int i = 0; i < l.stack().size(); i++) {
            b.append(i == l.userFrame() ? "  > " : "    ").append(l.stack().get(i)).append('\n');
        }
    }

    static String method(StackTraceElement f) {
        return f.getClassName() + "." + f.getMethodName();
    }

    private static String fileLine(StackTraceElement f) {
        return f.getFileName() == null ? method(f) : f.getFileName() + ":" + f.getLineNumber();
    }
}
