package dev.tether.leakprof.http;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * An in-memory body for a response that must be whole to be valid (a gzipped pprof profile): grows as written, up to
 * {@code maxBytes}, and fails with {@link TooLarge} beyond, so that the handler answers with an error instead of a
 * cut profile. Memory is what was written, never more than the bound.
 */
final class BoundedBuffer extends OutputStream {

    /** The body would exceed the bound. */
    static final class TooLarge extends IOException {
        TooLarge(long max) {
            super("more than " + max + " bytes");
        }
    }

    private final long max;
    private byte[] a = new byte[8192];
    private int n;

    BoundedBuffer(long maxBytes) {
        this.max = Math.min(maxBytes, Integer.MAX_VALUE - 16);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (n + (long) len > max) throw new TooLarge(max);
        if (n + len > a.length) a = Arrays.copyOf(a, (int) Math.min(max, Math.max(n + (long) len, 2L * a.length)));
        System.arraycopy(b, off, a, n, len);
        n += len;
    }

    /** What was written. */
    byte[] toByteArray() {
        return Arrays.copyOf(a, n);
    }
}
