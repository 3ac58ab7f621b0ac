package dev.tether.leakprof.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A text response body of at most {@code maxBytes} bytes: past the bound it cuts the text — at the last blank line
 * still held (the end of a goroutine block in Go's debug=1 and debug=2 formats), else at the last line end — writes
 * a marker line saying so, and fails the writer's next write with {@link Truncated}, so that the writer stops
 * instead of formatting output nobody will see. Holds at most 64 KiB.
 */
final class BoundedText extends OutputStream {

    /** Thrown to the writer once the text was cut; the response is complete, marker included. */
    static final class Truncated extends IOException {
        Truncated() {
            super("response truncated at maxResponseBytes");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // control flow: thrown once per truncated response, caught by the handler
        }
    }

    private static final int BUFFER = 64 * 1024;

    private final OutputStream out;
    private final byte[] marker;
    /** Text bytes allowed before the marker (and the line end that may precede it). */
    private final long limit;
    private final byte[] buf;
    private int n;
    private long sent;
    private byte lastSent = '\n';
    private boolean cut;

    /**
     * @param hint what to do about it, appended to the marker line (e.g. "ask for debug=1 or raise the limit")
     */
    BoundedText(OutputStream out, long maxBytes, String hint) {
        this.out = out;
        this.marker = ("# tether: truncated: this response reached its bound of " + maxBytes
                + " bytes (maxResponseBytes) and the rest was left out; " + hint + "\n").getBytes(StandardCharsets.UTF_8);
        this.limit = maxBytes - marker.length - 1;
        if (limit < 0) throw new IllegalArgumentException("maxBytes " + maxBytes + " cannot hold the truncation marker");
        this.buf = new byte[(int) Math.max(1, Math.min(BUFFER, limit))];
    }

    /** True once the text was cut. */
    boolean truncated() {
        return cut;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (cut) throw new Truncated();
        while (len > 0) {
            if (sent + n >= limit) {
                cut();
                throw new Truncated();
            }
            if (n == buf.length) {
                drain(n);
                continue;
            }
            int k = (int) Math.min(Math.min(len, buf.length - n), limit - sent - n);
            System.arraycopy(b, off, buf, n, k);
            n += k;
            off += k;
            len -= k;
        }
    }

    private void drain(int count) throws IOException {
        out.write(buf, 0, count);
        sent += count;
        lastSent = buf[count - 1];
        System.arraycopy(buf, count, buf, 0, n - count);
        n -= count;
    }

    /** Keeps the held text up to its last blank line (or line end), then writes the marker. */
    private void cut() throws IOException {
        int keep = n;
        int blank = -1;
        for (int i = n - 2; i >= 0; i--) {
            if (buf[i] == '\n' && buf[i + 1] == '\n') {
                blank = i + 2;
                break;
            }
        }
        if (blank > 0) {
            keep = blank;
        } else {
            for (int i = n - 1; i >= 0; i--) {
                if (buf[i] == '\n') {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (keep > 0) drain(keep);
        n = 0;
        if (lastSent != '\n') out.write('\n');
        out.write(marker);
        out.flush();
        cut = true;
    }

    @Override
    public void flush() throws IOException {
        if (cut) return;
        if (n > 0) drain(n);
        out.flush();
    }

    /** Sends what is held; the end of an untruncated response. Does not close the underlying stream. */
    void finish() throws IOException {
        flush();
    }
}
