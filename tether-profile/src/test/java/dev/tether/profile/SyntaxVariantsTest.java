package dev.tether.profile;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Syntax the fixtures do not show: newer Go headers and elision markers, unusual paths, escaped labels, and the JDK
 * 21 layouts (no JDK 21 was available to capture a dump; the samples follow the JDK 21 ThreadDumper's output code).
 */
class SyntaxVariantsTest {

    private static Snapshot read(String text) throws IOException {
        return Snapshots.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "inline");
    }

    @Test
    void newerGoHeadersFramesAndElisionAreRead() throws IOException {
        Snapshot s = read("""
                goroutine 7 gp=0xc000007c00 m=nil [sync.Mutex.Lock, 3 minutes, locked to thread]:
                sync.runtime_SemacquireMutex(0xc000012345?, 0x0?, 0x1?)
                \t/usr/local/go/src/runtime/sema.go:95 +0x25 fp=0xc00004e6f0 sp=0xc00004e6b8 pc=0x46b4e5
                sync.(*Mutex).Lock(...)
                \t/usr/local/go/src/sync/mutex.go:92
                main.work[...](0xc000012340)
                \t/home/u/my project/main.go:12 +0x45
                ...12 frames elided...
                main.main.func1()
                \tC:/Users/u/main.go:30 +0x1d
                created by main.main in goroutine 1
                \t/home/u/my project/main.go:28 +0x66

                goroutine 8 [chan receive (durable), 1 minutes]:
                main.idle()
                \t/x/main.go:5 +0x1
                """);
        assertEquals(Format.GO_DEBUG2, s.metadata().format());
        Entry e = s.entries().getFirst();
        assertEquals(OptionalLong.of(7), e.id());
        assertEquals(Optional.of("sync.Mutex.Lock"), e.waitReason());
        assertEquals(Optional.of(Duration.ofMinutes(3)), e.waited());
        assertTrue(e.lockedToThread());
        assertTrue(e.stackTruncated());
        assertEquals(List.of(
                new Frame("sync.runtime_SemacquireMutex", "/usr/local/go/src/runtime/sema.go", 95),
                new Frame("sync.(*Mutex).Lock", "/usr/local/go/src/sync/mutex.go", 92, true),
                new Frame("main.work[...]", "/home/u/my project/main.go", 12),
                new Frame("main.main.func1", "C:/Users/u/main.go", 30)), e.stack());
        assertEquals(Optional.of(new Frame("main.main", "/home/u/my project/main.go", 28)), e.createdBy());
        assertEquals(OptionalLong.of(1), e.creatorId());
        assertEquals("goroutine 7 [sync.Mutex.Lock, 3 minutes, locked to thread]", e.toString());

        Entry durable = s.entries().get(1);
        assertEquals(Optional.of("chan receive (durable)"), durable.status());
        assertEquals(Entry.State.WAITING, durable.state());
    }

    @Test
    void goCrashOutputKeepsItsMessageAndSkipsRuntimeStacks() throws IOException {
        Snapshot s = read("""
                fatal error: unexpected signal during runtime execution
                [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x45e8c2]

                runtime stack:
                runtime.throw({0x4a1b2c?, 0x0?})
                \t/usr/local/go/src/runtime/panic.go:1047 +0x5d fp=0x7ffd sp=0x7ffc pc=0x433a1d

                goroutine 1 [running]:
                main.main()
                \t/x/main.go:9 +0x1d

                goroutine 2 [runnable]:
                \tgoroutine running on other thread; stack unavailable
                exit status 2
                """);
        assertEquals(Format.GO_CRASH, s.metadata().format());
        assertEquals(List.of("fatal error: unexpected signal during runtime execution",
                "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x45e8c2]", "runtime stack:",
                "runtime.throw({0x4a1b2c?, 0x0?})",
                "\t/usr/local/go/src/runtime/panic.go:1047 +0x5d fp=0x7ffd sp=0x7ffc pc=0x433a1d"), s.metadata().preamble());
        assertEquals(2, s.entries().size());
        assertEquals(Entry.State.RUNNING, s.entries().getFirst().state());
        assertEquals(Entry.State.RUNNABLE, s.entries().get(1).state());
        assertTrue(s.entries().get(1).stack().isEmpty());
    }

    @Test
    void goLabelsAreUnquotedAsGoQuotesThem() throws IOException {
        Snapshot s = read("""
                goroutine profile: total 3
                3 @ 0x43b256 0x46b1e1
                # labels: {"k":"a\\"b\\\\c\\u00e9\\x41", "tenant":"ünïcode"}
                #\t0x6a7444\tmain.f+0x64\t/x/main.go:60

                """);
        Entry e = s.entries().getFirst();
        assertEquals(3, e.count());
        assertEquals(Map.of("k", "a\"b\\céA", "tenant", "ünïcode"), e.labels());
        assertEquals(List.of(0x43b256L, 0x46b1e1L), e.programCounters());
        assertEquals(List.of(new Frame("main.f", "/x/main.go", 60)), e.stack());
    }

    @Test
    void jdk21JsonWithoutStatesOrLocksIsRead() throws IOException {
        Snapshot s = read("""
                {
                  "threadDump": {
                    "processId": "4242",
                    "time": "2024-01-05T10:00:00.000000Z",
                    "runtimeVersion": "21.0.2+13-58",
                    "threadContainers": [
                      {
                        "container": "<root>",
                        "parent": null,
                        "owner": null,
                        "threads": [
                         {
                           "tid": "1",
                           "name": "main",
                           "stack": [
                              "java.base\\/java.lang.Thread.sleep0(Native Method)",
                              "app\\/\\/demo.Main.main(Main.java:7)"
                           ]
                         }
                        ],
                        "threadCount": "1"
                      },
                      {
                        "container": "java.util.concurrent.ThreadPerTaskExecutor@1b6d3586",
                        "parent": "<root>",
                        "owner": null,
                        "threads": [
                         {
                           "tid": "23",
                           "name": "",
                           "stack": [
                              "java.base\\/java.lang.VirtualThread.park(VirtualThread.java:582)",
                              "java.base\\/java.lang.VirtualThread.run(VirtualThread.java:311)"
                           ]
                         }
                        ],
                        "threadCount": "1"
                      }
                    ]
                  }
                }
                """);
        assertEquals(Format.JDK_JSON, s.metadata().format());
        assertEquals(4242L, s.metadata().processId());
        assertEquals("21.0.2+13-58", s.metadata().runtimeVersion());
        Entry main = s.entries().getFirst();
        assertEquals(Entry.Kind.PLATFORM_THREAD, main.kind());
        assertEquals(Entry.State.UNKNOWN, main.state());
        assertEquals(new Frame("demo.Main.main", "Main.java", 7), main.stack().get(1));
        Entry v = s.entries().get(1);
        assertEquals(Entry.Kind.VIRTUAL_THREAD, v.kind(), "a JDK 21 virtual thread is known by VirtualThread.run");
        assertEquals(Optional.of(""), v.name());
        assertEquals("java.util.concurrent.ThreadPerTaskExecutor@1b6d3586", v.owner().orElseThrow().name());
    }

    @Test
    void jdk21PlainTextWithoutStatesIsRead() throws IOException {
        Snapshot s = read("""
                4242
                2024-01-05T10:00:00.000000Z
                21.0.2+13-58

                #1 "main"
                      java.base/java.lang.Thread.sleep0(Native Method)
                      demo.Main.main(Main.java:7)

                #23 "" virtual
                      java.base/java.lang.VirtualThread.park(VirtualThread.java:582)

                """);
        assertEquals(Format.JDK_TEXT, s.metadata().format());
        assertEquals(2, s.entries().size());
        assertEquals(Entry.State.UNKNOWN, s.entries().getFirst().state());
        assertEquals(Frame.NATIVE_LINE, s.entries().getFirst().stack().getFirst().line());
        assertEquals(Entry.Kind.VIRTUAL_THREAD, s.entries().get(1).kind());
    }

    @Test
    void jcmdThreadPrintWithItsPidLineIsJstack() throws IOException {
        Snapshot s = read("""
                4242:
                2024-01-05 10:00:00
                Full thread dump OpenJDK 64-Bit Server VM (21.0.2+13-58 mixed mode, sharing):

                "main" #1 [4243] prio=5 os_prio=0 cpu=1.00ms elapsed=1.00s tid=0x1 nid=4243 waiting on condition  [0x2]
                   java.lang.Thread.State: TIMED_WAITING (sleeping)
                \tat java.lang.Thread.sleep0(java.base@21.0.2/Native Method)
                \t- waiting on <no object reference available>
                \tat demo.Main.main(Main.java:7)
                \t- locked <0x00000000cafe> (a java.lang.Class for demo.Main)

                "a "quoted" name" #2 daemon prio=5 tid=0x3 nid=0x4 runnable  [0x0]
                   java.lang.Thread.State: RUNNABLE

                JNI global refs: 1, weak refs: 0

                """);
        assertEquals(4242L, s.metadata().processId());
        assertEquals("21.0.2+13-58", s.metadata().runtimeVersion());
        Entry main = s.entries().getFirst();
        assertEquals(Optional.of("sleeping"), main.waitReason());
        assertTrue(main.waitingOn().isEmpty());
        assertEquals(List.of(new HeldLock(new ObjectRef("java.lang.Class for demo.Main", "0x00000000cafe"), 1)),
                main.locksHeld());
        assertEquals(Optional.of("a \"quoted\" name"), s.entries().get(1).name());
        assertFalse(s.entries().get(1).stack().iterator().hasNext());
    }
}
