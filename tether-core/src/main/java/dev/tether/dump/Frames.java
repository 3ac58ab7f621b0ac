package dev.tether.dump;

import java.util.Arrays;

/**
 * Trims a task's stack to what its reader needs: from the first API frame the task is blocked in
 * ({@code Channel.send}, {@code Thread.sleep}, {@code ArrayBlockingQueue.take}, ...) down to the task's body,
 * without the JDK's and Tether's machinery above and below.
 */
final class Frames {
    private Frames() {
    }

    static StackTraceElement[] trim(StackTraceElement[] stack) {
        int top = 0;
        while (top < stack.length && isMachinery(stack[top])) top++;
        int bottom = stack.length;
        while (bottom > top && isLauncher(stack[bottom - 1])) bottom--;
        return top == 0 && bottom == stack.length ? stack : Arrays.copyOfRange(stack, top, bottom);
    }

    /** Frames above the operation the task waits in: parking, scheduling, Tether's waiting internals. */
    private static boolean isMachinery(StackTraceElement f) {
        String c = f.getClassName();
        if (c.startsWith("jdk.internal.") || c.equals("java.lang.VirtualThread") || c.startsWith("java.lang.System$")
                || c.equals("java.util.concurrent.locks.LockSupport") || c.equals("dev.tether.Waiter")
                || c.equals("dev.tether.Blocking") || c.equals("dev.tether.Children")) {
            return true;
        }
        if (c.startsWith("java.util.concurrent.locks.AbstractQueuedSynchronizer")) return true;
        // Tether's private waiting helpers under its public operations (Select.select, Task.join, Channel.send and
        // receive).
        String m = f.getMethodName();
        if (c.equals("dev.tether.Select") && m.equals("block")) return true;
        if (c.equals("dev.tether.Task") && m.equals("awaitFinished")) return true;
        if (c.equals("dev.tether.Channel") && m.startsWith("await")) return true;
        // Thread's private helpers under sleep/join (sleepNanos, sleep0, ...), but not sleep or join themselves.
        return c.equals("java.lang.Thread") && !m.equals("sleep") && !m.equals("join");
    }

    /** Frames below the task's body: the virtual thread's start, scoped-value binding, Tether's task runner. */
    private static boolean isLauncher(StackTraceElement f) {
        String c = f.getClassName();
        return c.startsWith("jdk.internal.") || c.equals("java.lang.VirtualThread") || c.equals("java.lang.Thread")
                || c.startsWith("java.lang.ScopedValue") || c.equals("dev.tether.Task")
                || c.startsWith("dev.tether.Task$");
    }

    /** A Go-style source path for a frame: the package as directories, then the file name. */
    static String path(StackTraceElement f) {
        String file = f.getFileName();
        if (file == null) file = "?";
        String c = f.getClassName();
        int dot = c.lastIndexOf('.');
        return dot < 0 ? file : c.substring(0, dot).replace('.', '/') + '/' + file;
    }
}
