package dev.tether.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Something to scan: a dump file, a {@code /debug/pprof/goroutine} endpoint or a local JVM. Targets are written on
 * the command line or in a targets file, one per line, and told apart by their shape:
 * <ul>
 *   <li>{@code http://...} or {@code https://...}: an endpoint. A URL with no path gets
 *       {@code /debug/pprof/goroutine}, one with no {@code debug} parameter gets {@code debug=2} (every goroutine,
 *       with its wait reason and age).</li>
 *   <li>{@code pid:1234}, or a bare number that is not a file: a local JVM, dumped by {@code jcmd}.</li>
 *   <li>anything else: a file, or a directory whose files (not its subdirectories) are each a target.</li>
 * </ul>
 */
sealed interface Target {

    /** The target as the user wrote it. */
    String spec();

    /** The instance's name in the report. */
    String name();

    /** A dump file. */
    record File(String spec, Path path) implements Target {
        @Override
        public String name() {
            return spec;
        }
    }

    /** A goroutine-profile endpoint. */
    record Url(String spec, URI uri) implements Target {
        /** {@code host:port} and the path if it is not the usual one. */
        @Override
        public String name() {
            String hostPort = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            return uri.getPath().equals(GOROUTINE_PATH) ? hostPort : hostPort + uri.getPath();
        }
    }

    /** A JVM on this machine. */
    record Pid(String spec, long pid) implements Target {
        @Override
        public String name() {
            return "pid " + pid;
        }
    }

    /**
     * A target that could not even be resolved (a missing file, a malformed URL): it is reported as failed, like a
     * target that could not be fetched, while the rest of the scan goes on.
     */
    record Invalid(String spec, String problem) implements Target {
        @Override
        public String name() {
            return spec;
        }
    }

    String GOROUTINE_PATH = "/debug/pprof/goroutine";

    /**
     * The targets {@code spec} stands for: one, or a directory's files in name order, or an {@link Invalid} target
     * saying what is wrong with it.
     */
    static List<Target> parse(String spec) {
        String s = spec.strip();
        if (s.isEmpty()) return List.of(new Invalid(spec, "empty target"));
        if (s.startsWith("http://") || s.startsWith("https://")) return List.of(url(s));
        if (s.startsWith("pid:")) return List.of(pid(s, s.substring(4)));
        Path path = Path.of(s);
        if (Files.isDirectory(path)) return directory(s, path);
        if (Files.exists(path)) return List.of(new File(s, path));
        if (s.chars().allMatch(Character::isDigit)) return List.of(pid(s, s));
        return List.of(new Invalid(s, "no such file or directory (expected a dump file, a directory of dumps, an"
                + " http(s):// URL or pid:N)"));
    }

    /**
     * The targets listed in {@code file}: one per line; blank lines and lines starting with {@code #} are skipped.
     *
     * @throws IOException if the file cannot be read
     */
    static List<Target> readList(Path file) throws IOException {
        List<Target> out = new ArrayList<>();
        try (Stream<String> lines = Files.lines(file)) {
            lines.map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(l -> out.addAll(parse(l)));
        }
        return out;
    }

    private static Target url(String s) {
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            return new Invalid(s, "not a valid URL: " + e.getMessage());
        }
        if (uri.getHost() == null) return new Invalid(s, "not a valid URL: no host");
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")
                ? GOROUTINE_PATH : uri.getRawPath();
        String query = uri.getRawQuery();
        if (query == null || query.isEmpty()) query = "debug=2";
        else if (!("&" + query).contains("&debug=")) query = query + "&debug=2";
        return new Url(s, URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + path + "?" + query));
    }

    private static Target pid(String spec, String digits) {
        try {
            long pid = Long.parseLong(digits);
            if (pid > 0) return new Pid(spec, pid);
        } catch (NumberFormatException e) {
            // fall through
        }
        return new Invalid(spec, "not a process id: '" + digits + "' (expected pid:N with N a positive number)");
    }

    private static List<Target> directory(String spec, Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Target> out = files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .<Target>map(p -> new File(p.toString(), p))
                    .toList();
            return out.isEmpty() ? List.of(new Invalid(spec, "directory has no files to scan")) : out;
        } catch (IOException e) {
            return List.of(new Invalid(spec, "cannot list directory: " + e.getMessage()));
        }
    }
}
