package dev.tether.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/** Runs the leakprof command in this JVM and keeps what it printed, its exit code and its JSON report. */
record Cli(int exit, String out, String err, JsonNode json) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs with {@code args} plus {@code --json <temp file>}, whose report is {@link #json()} (null if not written). */
    static Cli run(String... args) {
        try {
            Path report = Files.createTempFile("leakprof", ".json");
            Files.delete(report);
            List<String> all = new ArrayList<>(List.of("--json", report.toString()));
            all.addAll(List.of(args));
            Cli c = plain(all.toArray(String[]::new));
            JsonNode json = Files.exists(report) ? JSON.readTree(report.toFile()) : null;
            Files.deleteIfExists(report);
            return new Cli(c.exit, c.out, c.err, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs with exactly {@code args}. */
    static Cli plain(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = LeakProf.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Cli(exit, out.toString(), err.toString(), null);
    }

    /** The report's site at {@code function} and {@code line}, or null. */
    JsonNode site(String function, int line) {
        for (JsonNode s : json.get("sites")) {
            if (s.get("function").asText().equals(function) && s.get("line").asInt() == line) return s;
        }
        return null;
    }

    List<JsonNode> suspects() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode s : json.get("sites")) if (s.get("suspect").asBoolean()) out.add(s);
        return out;
    }

    JsonNode instance(int i) {
        return json.get("instances").get(i);
    }

    /** The shared dump fixtures beside the project ({@code -Dtether.fixtures}); missing fixtures fail the test. */
    static Path fixtures() {
        String configured = System.getProperty("tether.fixtures");
        Path dir = (configured != null ? Path.of(configured)
                : Path.of(System.getProperty("user.dir")).resolve("../../shared/fixtures")).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir.resolve("go")) || !Files.isDirectory(dir.resolve("jvm"))) {
            fail("dump fixtures not found at " + dir + ": the tests need ../shared/fixtures beside the checkout");
        }
        return dir;
    }

    static JsonNode expected(String folder, String fixture) {
        try {
            return JSON.readTree(fixtures().resolve(folder).resolve(fixture + ".expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The dump files of a fixture folder. */
    static List<Path> dumps(String folder, String fixture) {
        try (Stream<Path> s = Files.list(fixtures().resolve(folder))) {
            return s.filter(p -> p.getFileName().toString().startsWith(fixture + "."))
                    .filter(p -> !p.getFileName().toString().endsWith(".expected.json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
