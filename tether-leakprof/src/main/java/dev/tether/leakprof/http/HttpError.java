package dev.tether.leakprof.http;

/**
 * An answer other than 200, decided before the response started: its status, a one-line message (written as the
 * plain-text body) and, for the endpoints under {@code /debug/pprof/}, Go's {@code X-Go-Pprof: 1} marker. Messages
 * never echo unbounded request input (see {@link Query#describe}).
 */
final class HttpError extends Exception {
    final int status;
    /** True for errors of the pprof endpoints, which Go's {@code serveError} marks with {@code X-Go-Pprof: 1}. */
    final boolean pprof;
    /** An extra response header (name, value), or null. */
    final String header;
    final String headerValue;

    private HttpError(int status, String message, boolean pprof, String header, String headerValue) {
        super(message, null, false, false); // control flow, not a failure: no stack trace
        this.status = status;
        this.pprof = pprof;
        this.header = header;
        this.headerValue = headerValue;
    }

    /** An error of a pprof endpoint, answered as Go's {@code serveError} does. */
    static HttpError pprof(int status, String message) {
        return new HttpError(status, message, true, null, null);
    }

    /** An error of another endpoint. */
    static HttpError plain(int status, String message) {
        return new HttpError(status, message, false, null, null);
    }

    /** The same error with one more response header. */
    HttpError with(String name, String value) {
        return new HttpError(status, getMessage(), pprof, name, value);
    }
}
