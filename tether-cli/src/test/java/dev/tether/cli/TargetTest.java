package dev.tether.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetTest {

    private static Target one(String spec) {
        List<Target> t = Target.parse(spec);
        assertEquals(1, t.size(), spec);
        return t.getFirst();
    }

    @Test
    void aBareHostGetsTheGoroutineProfileAtDebug2() {
        Target.Url u = assertInstanceOf(Target.Url.class, one("http://10.0.0.7:6060"));
        assertEquals("http://10.0.0.7:6060/debug/pprof/goroutine?debug=2", u.uri().toString());
        assertEquals("10.0.0.7:6060", u.name());
    }

    @Test
    void aUrlKeepsItsPathAndDebugLevel() {
        Target.Url u = assertInstanceOf(Target.Url.class, one("https://svc:8443/debug/pprof/goroutine?debug=1"));
        assertEquals("https://svc:8443/debug/pprof/goroutine?debug=1", u.uri().toString());
        Target.Url other = assertInstanceOf(Target.Url.class, one("http://svc/admin/goroutines?x=1"));
        assertEquals("http://svc/admin/goroutines?x=1&debug=2", other.uri().toString());
        assertEquals("svc/admin/goroutines", other.name());
    }

    @Test
    void malformedUrlsArePerTargetErrors() {
        Target.Invalid i = assertInstanceOf(Target.Invalid.class, one("http://exa mple/"));
        assertTrue(i.problem().startsWith("not a valid URL"), i.problem());
        assertInstanceOf(Target.Invalid.class, one("http:///nohost"));
    }

    @Test
    void pidsAreWrittenPidColonNOrAsABareNumber() {
        assertEquals(4242, assertInstanceOf(Target.Pid.class, one("pid:4242")).pid());
        assertEquals(77, assertInstanceOf(Target.Pid.class, one("77")).pid());
        Target.Invalid bad = assertInstanceOf(Target.Invalid.class, one("pid:abc"));
        assertTrue(bad.problem().contains("expected pid:N"), bad.problem());
        assertInstanceOf(Target.Invalid.class, one("pid:0"));
    }

    @Test
    void aFileNamedLikeANumberIsAFile(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("123"), "x");
        assertInstanceOf(Target.File.class, one(f.toString()));
    }

    @Test
    void aDirectoryIsItsFilesInNameOrderWithoutHiddenOnesOrSubdirectories(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("b.txt"), "b");
        Files.writeString(dir.resolve("a.txt"), "a");
        Files.writeString(dir.resolve(".hidden"), "h");
        Files.createDirectory(dir.resolve("sub"));
        List<Target> t = Target.parse(dir.toString());
        assertEquals(List.of(dir.resolve("a.txt").toString(), dir.resolve("b.txt").toString()),
                t.stream().map(Target::spec).toList());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertInstanceOf(Target.Invalid.class, one(empty.toString()));
    }

    @Test
    void aMissingFileSaysWhatATargetCanBe() {
        Target.Invalid i = assertInstanceOf(Target.Invalid.class, one("/no/such/dump.txt"));
        assertTrue(i.problem().contains("no such file") && i.problem().contains("pid:N"), i.problem());
    }

    @Test
    void aTargetsFileSkipsBlankLinesAndComments(@TempDir Path dir) throws IOException {
        Path list = Files.writeString(dir.resolve("fleet.txt"), """
                # checkout service
                http://10.0.0.7:6060

                  pid:99   \s
                # the end
                """);
        List<Target> t = Target.readList(list);
        assertEquals(2, t.size());
        assertInstanceOf(Target.Url.class, t.get(0));
        assertEquals(99, assertInstanceOf(Target.Pid.class, t.get(1)).pid());
    }
}
