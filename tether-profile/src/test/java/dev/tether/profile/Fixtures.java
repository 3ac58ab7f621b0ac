package dev.tether.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The shared dump fixtures ({@code ../shared/fixtures} beside the project) and their ground truth. Missing fixtures
 * fail the tests: they are the contract, and skipping would hide that nothing was checked.
 */
final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    /** {@code -Dtether.fixtures} (set by the POM), else {@code ../../shared/fixtures} from the module directory. */
    static Path dir() {
        String configured = System.getProperty("tether.fixtures");
        Path dir = configured != null ? Path.of(configured)
                : Path.of(System.getProperty("user.dir")).resolve("../../shared/fixtures");
        dir = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir.resolve("go")) || !Files.isDirectory(dir.resolve("jvm"))) {
            fail("dump fixtures not found at " + dir + ": tether-profile's tests need ../shared/fixtures beside the"
                    + " project checkout (or -Dtether.fixtures=<dir>)");
        }
        return dir;
    }

    static Path go(String file) {
        return dir().resolve("go").resolve(file);
    }

    static Path jvm(String file) {
        return dir().resolve("jvm").resolve(file);
    }

    static JsonNode expected(Path expectedJson) {
        try {
            return JSON.readTree(expectedJson.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code *.expected.json} files of a fixture folder ({@code go} or {@code jvm}). */
    static List<Path> expectedFiles(String folder) {
        try (Stream<Path> s = Files.list(dir().resolve(folder))) {
            List<Path> out = new ArrayList<>(s.filter(p -> p.getFileName().toString().endsWith(".expected.json"))
                    .sorted().toList());
            if (out.isEmpty()) fail("no *.expected.json in " + dir().resolve(folder));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every dump file of a folder: all but the ground truth (and licences). */
    static List<Path> dumps(String folder) {
        try (Stream<Path> s = Files.list(dir().resolve(folder))) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return !n.endsWith(".expected.json") && !n.equals("LICENSE") && !n.equals("README.md");
            }).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Snapshot read(Path p) {
        try {
            return Snapshots.read(p);
        } catch (IOException e) {
            throw new AssertionError("reading " + p + " failed: " + e.getMessage(), e);
        }
    }

    /** A JSON text or null value as a Java string. */
    static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }
}
