package dev.tether.profile;

import java.util.HashMap;
import java.util.Map;

/**
 * The pieces of JVM dump syntax the three JVM readers share: stack frames, object references, thread states. One
 * instance per read: it shares the frames of that dump (hundreds of threads often have identical stacks).
 */
final class JvmSyntax {

    private static final int MAX_CACHED_FRAMES = 1 << 16;

    private final Pool pool = new Pool();
    private final Map<String, Frame> frames = new HashMap<>();

    /**
     * Parses a frame as {@link StackTraceElement#toString()} prints it — {@code java.base/java.lang.Thread.sleep(Thread.java:540)},
     * {@code app//demo.Main.run(Main.java:9)} — or as jstack does, with the module inside the parentheses:
     * {@code java.lang.Thread.sleep(java.base@25.0.3/Thread.java:540)}. The class-loader and module prefix is dropped.
     *
     * @return the frame, or null if {@code text} is not a frame
     */
    Frame frame(String text) {
        Frame f = frames.get(text);
        if (f != null) return f;
        int open = text.indexOf('(');
        if (open <= 0 || !text.endsWith(")")) return null;
        String head = text.substring(0, open);
        // Strip "loader/module@version/" but not the "/0x..." of a hidden class ("Foo$$Lambda/0x0000....run").
        int slash = head.lastIndexOf('/');
        while (slash >= 0 && head.startsWith("0x", slash + 1)) slash = head.lastIndexOf('/', slash - 1);
        String function = head.substring(slash + 1);
        if (function.isEmpty() || function.indexOf('.') < 0) return null;
        String where = text.substring(open + 1, text.length() - 1);
        where = where.substring(where.lastIndexOf('/') + 1);
        String file;
        int line;
        if (where.equals("Native Method")) {
            file = null;
            line = Frame.NATIVE_LINE;
        } else if (where.equals("Unknown Source") || where.isEmpty()) {
            file = null;
            line = Frame.UNKNOWN_LINE;
        } else {
            int colon = where.lastIndexOf(':');
            int n = colon < 0 ? -1 : parseInt(where, colon + 1);
            if (n >= 0) {
                file = where.substring(0, colon);
                line = n;
            } else {
                file = where;
                line = Frame.UNKNOWN_LINE;
            }
        }
        f = pool.frame(pool.string(function), file == null ? null : pool.string(file), line, false);
        if (frames.size() < MAX_CACHED_FRAMES) frames.put(text, f);
        return f;
    }

    private static int parseInt(String s, int from) {
        if (from >= s.length() || s.length() - from > 9) return -1;
        int v = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** A shared copy of {@code s}. */
    String string(String s) {
        return s == null ? null : pool.string(s);
    }

    /** {@code class@identityHash}, as the JDK's JSON and plain dumps write objects. */
    ObjectRef identityRef(String text) {
        int at = text.lastIndexOf('@');
        if (at <= 0) return new ObjectRef(pool.string(text), "");
        return new ObjectRef(pool.string(text.substring(0, at)), text.substring(at + 1));
    }

    /**
     * jstack's {@code <0x000000069ec02358> (a java.lang.ref.ReferenceQueue$Lock)}; null when there is no address
     * ({@code <no object reference available>}, {@code <owner is scalar replaced>}).
     */
    ObjectRef addressRef(String text) {
        int open = text.indexOf('<');
        int close = text.indexOf('>', open + 1);
        if (open < 0 || close < 0) return null;
        String address = text.substring(open + 1, close);
        if (!address.startsWith("0x")) return null;
        int a = text.indexOf("(a ", close);
        int end = text.lastIndexOf(')');
        String className = a < 0 || end < a ? "" : text.substring(a + 3, end);
        return new ObjectRef(pool.string(className), address);
    }

    /** A {@link Thread.State} name to an entry state; {@link Entry.State#UNKNOWN} for anything else. */
    static Entry.State state(String name) {
        return switch (name) {
            case "NEW" -> Entry.State.NEW;
            case "RUNNABLE" -> Entry.State.RUNNABLE;
            case "BLOCKED" -> Entry.State.BLOCKED;
            case "WAITING" -> Entry.State.WAITING;
            case "TIMED_WAITING" -> Entry.State.TIMED_WAITING;
            case "TERMINATED" -> Entry.State.TERMINATED;
            default -> Entry.State.UNKNOWN;
        };
    }

    static boolean isThreadState(String name) {
        return state(name) != Entry.State.UNKNOWN;
    }
}
