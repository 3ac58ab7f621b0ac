/**
 * A debug endpoint compatible with Go's {@code net/http/pprof}, for Tether tasks: {@code /debug/pprof/} (index,
 * {@code goroutine}, {@code goroutineleak}) and {@code /debug/leaks} (the leak detector's report as JSON), on the
 * JDK's own HTTP server. {@link dev.tether.leakprof.http.DebugServer} runs one;
 * {@link dev.tether.leakprof.http.DebugHandler} mounts in a {@code com.sun.net.httpserver.HttpServer} of your own.
 * Loopback only unless a bearer token is configured; every response bounded in size.
 */
package dev.tether.leakprof.http;
