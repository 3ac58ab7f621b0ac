package dev.tether.leakprof.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A request's query parameters, read as Go's {@code url.ParseQuery} reads them ({@code &}-separated
 * {@code key=value} pairs, percent-decoded, {@code +} as a space) but strictly: a malformed escape, a parameter given
 * twice, more than {@value #MAX_PARAMETERS} parameters or one this endpoint does not know is a 400, where Go would
 * guess. The parameters are as many as the server let into the request line; nothing here grows beyond them.
 */
final class Query {
    static final int MAX_PARAMETERS = 16;
    private static final Pattern PRINTABLE_NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,32}");

    private final Map<String, String> values;

    private Query(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Parses {@code rawQuery} (still percent-encoded; null for none) and checks that every parameter is one of
     * {@code allowed}, which {@code accepts} describes for the error message.
     */
    static Query parse(String rawQuery, Set<String> allowed, String accepts, boolean pprof) throws HttpError {
        Map<String, String> values = new LinkedHashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            String[] pairs = rawQuery.split("&"); // as long as the request line the server accepted
            int n = 0;
            for (String pair : pairs) if (!pair.isEmpty()) n++;
            if (n > MAX_PARAMETERS) {
                throw error(pprof, "too many query parameters (at most " + MAX_PARAMETERS + "); " + accepts);
            }
            for (String pair : pairs) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq), pprof);
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1), pprof);
                if (!allowed.contains(key)) throw error(pprof, "unknown parameter " + describe(key) + "; " + accepts);
                if (values.putIfAbsent(key, value) != null) {
                    throw error(pprof, "parameter " + describe(key) + " given more than once; " + accepts);
                }
            }
        }
        return new Query(values);
    }

    private static String decode(String s, boolean pprof) throws HttpError {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw error(pprof, "malformed percent-encoding in the query string");
        }
    }

    private static HttpError error(boolean pprof, String message) {
        return pprof ? HttpError.pprof(400, message) : HttpError.plain(400, message);
    }

    /** The value of {@code name}, or null if absent. */
    String get(String name) {
        return values.get(name);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /**
     * A parameter's name as error messages quote it: as given if short and plain, else a description, so that a
     * response never echoes arbitrary or unbounded request input.
     */
    static String describe(String name) {
        return PRINTABLE_NAME.matcher(name).matches() ? "\"" + name + "\"" : "(a parameter with a long or unusual name)";
    }
}
