package dev.tether.profile;

import java.util.Objects;

/**
 * One frame of a stack: a function and the source position it was executing, as a dump prints them.
 *
 * <p>For Go the function is the full symbol ({@code main.(*server).waitForShutdown},
 * {@code net/http.(*Client).Do}) and the file the path as printed: absolute, or module-relative with
 * {@code -trimpath}. For the JVM the function is {@code class.method} ({@code java.util.concurrent.SynchronousQueue.put})
 * without the module or class-loader prefix, and the file is the bare source file name ({@code SynchronousQueue.java}).
 *
 * @param function the function or {@code class.method}; never empty
 * @param file     the source file, or null if the dump does not name one (a native or hidden JVM frame)
 * @param line     the line, or {@link #UNKNOWN_LINE} or {@link #NATIVE_LINE}
 * @param inlined  true for a Go frame the compiler inlined into its caller (printed {@code f(...)} without a PC
 *                 offset); always false for formats that do not show inlining
 */
public record Frame(String function, String file, int line, boolean inlined) {

    /** The line of a frame whose position the dump does not give ({@code Unknown Source}). */
    public static final int UNKNOWN_LINE = -1;
    /** The line of a native JVM method ({@code Native Method}), as in {@link StackTraceElement}. */
    public static final int NATIVE_LINE = -2;

    /**
     * @throws NullPointerException     if {@code function} is null
     * @throws IllegalArgumentException if {@code function} is empty or {@code line} is below {@link #NATIVE_LINE}
     */
    public Frame {
        Objects.requireNonNull(function, "function");
        if (function.isEmpty()) throw new IllegalArgumentException("empty function name");
        if (line < NATIVE_LINE) throw new IllegalArgumentException("line " + line);
    }

    /** A frame that was not inlined. */
    public Frame(String function, String file, int line) {
        this(function, file, line, false);
    }

    /** True for a native JVM method. */
    public boolean isNative() {
        return line == NATIVE_LINE;
    }

    /**
     * The part of {@link #function()} before its last dot: a JVM frame's class, or for Go the package and receiver
     * ({@code main.(*server)}); empty if the function has no dot.
     */
    public String className() {
        int dot = function.lastIndexOf('.');
        return dot < 0 ? "" : function.substring(0, dot);
    }

    /** The part of {@link #function()} after its last dot: a JVM frame's method name. */
    public String methodName() {
        return function.substring(function.lastIndexOf('.') + 1);
    }

    /**
     * The JVM's spelling, {@code function(File.java:12)}, {@code function(Native Method)} or
     * {@code function(Unknown Source)}; Go frames read {@code function(/path/file.go:12)}.
     */
    @Override
    public String toString() {
        if (line == NATIVE_LINE) return function + "(Native Method)";
        if (file == null) return function + "(Unknown Source)";
        return line < 0 ? function + "(" + file + ")" : function + "(" + file + ":" + line + ")";
    }

    /**
     * This frame as a JVM stack frame, the inverse of {@link #of(StackTraceElement)}: class {@link #className()},
     * method {@link #methodName()}; for code that reads JVM stacks, such as {@code JdkWaits.fromStack}.
     */
    public StackTraceElement toStackTraceElement() {
        return new StackTraceElement(className(), methodName(), file, line);
    }

    /** A JVM stack frame: function {@code pkg.Class.method}, its file and line ({@link #NATIVE_LINE} if native). */
    public static Frame of(StackTraceElement e) {
        int line = e.isNativeMethod() ? NATIVE_LINE : Math.max(UNKNOWN_LINE, e.getLineNumber());
        return new Frame(e.getClassName() + "." + e.getMethodName(), e.getFileName(), line);
    }
}
