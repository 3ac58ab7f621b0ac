package dev.tether.profile;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every JVM fixture read against its ground truth ({@code jvm/*.expected.json}): thread totals, per leak the matching
 * threads' count, kind, state, blocking frame, the JDK frame it called, the top frame, the lock fields, containers
 * and carriers; jstack's deadlock reports; and that the lock data suffices to see each deadlock's cycle.
 */
class JvmFixturesTest {

    static Stream<Arguments> files() {
        List<Arguments> out = new ArrayList<>();
        for (Path p : Fixtures.expectedFiles("jvm")) {
            JsonNode x = Fixtures.expected(p);
            x.get("files").properties().forEach(f ->
                    out.add(Arguments.of(x.get("fixture").asText(), f.getKey(), Fixtures.jvm(f.getValue().asText()), x)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("files")
    void dumpMatchesGroundTruth(String fixture, String key, Path file, JsonNode x) {
        Snapshot s = Fixtures.read(file);
        boolean jstack = key.endsWith("_jstack");
        boolean json = key.endsWith("_json");
        String jdk = key.startsWith("jdk17") ? "jdk17" : "jdk25";
        assertEquals(jstack ? Format.JSTACK : json ? Format.JDK_JSON : Format.JDK_TEXT, s.metadata().format());

        totals(s, x.get("total_threads").get(key), jstack);
        if (!jstack) {
            assertEquals(x.get("runtime_version_in_json").asText(), s.metadata().runtimeVersion(), "runtime version");
            assertTrue(s.metadata().processId() != null && s.metadata().time() != null, "pid and time");
        }

        Set<Entry> accounted = Collections.newSetFromMap(new IdentityHashMap<>());
        long leaked = 0;
        for (JsonNode leak : x.get("leaks")) {
            List<Entry> matched = leak(s, key, jdk, jstack, json, leak);
            for (Entry e : matched) assertTrue(accounted.add(e), e + " matches two leaks");
            if (leak.get("is_leak").asBoolean()) leaked += matched.size();
        }
        if (!jstack) {
            assertEquals(x.get("leaked_threads").asLong(), leaked, "leaked threads");
            for (JsonNode o : x.get("other_threads_json")) {
                List<Entry> named = s.entries().stream()
                        .filter(e -> e.name().orElse("").equals(o.get("name").asText())).toList();
                assertEquals(o.get("count").asInt(), named.size(), o.get("name").asText());
                for (Entry e : named) {
                    assertEquals(o.get("state").asText(), e.status().orElseThrow(), e + ": state");
                    assertEquals(o.get("virtual").asBoolean(), e.kind() == Entry.Kind.VIRTUAL_THREAD, e + ": kind");
                    accounted.add(e);
                }
            }
            assertEquals(s.entries().size(), accounted.size(), "every thread is a leak, main or a listed other thread");
        }
        deadlocks(s, x, key, jstack);
    }

    private static void totals(Snapshot s, JsonNode t, boolean jstack) {
        Map<Entry.Kind, Long> kinds = new HashMap<>();
        for (Entry e : s.entries()) {
            assertEquals(1, e.count());
            kinds.merge(e.kind(), 1L, Long::sum);
        }
        long virtual = kinds.getOrDefault(Entry.Kind.VIRTUAL_THREAD, 0L);
        long platform = kinds.getOrDefault(Entry.Kind.PLATFORM_THREAD, 0L);
        long internal = kinds.getOrDefault(Entry.Kind.JVM_INTERNAL_THREAD, 0L);
        if (jstack) {
            assertEquals(t.get("thread_entries").asLong(), platform + internal, "thread entries");
            assertEquals(t.get("java_threads").asLong(), platform, "java threads");
            assertEquals(t.get("vm_internal_threads").asLong(), internal, "JVM-internal threads");
            assertEquals(t.get("mounted_virtual_threads_shown_under_carriers").asLong(), virtual, "mounted virtual");
            for (Entry e : s.entries()) {
                if (e.kind() == Entry.Kind.VIRTUAL_THREAD) assertTrue(e.carrierId().isPresent(), e + ": carrier");
                if (e.kind() == Entry.Kind.JVM_INTERNAL_THREAD) assertTrue(e.id().isEmpty() && e.stack().isEmpty(), e.toString());
            }
        } else {
            assertEquals(t.get("threads").asLong(), s.total(), "threads");
            assertEquals(t.get("virtual").asLong(), virtual, "virtual threads");
            assertEquals(t.get("platform").asLong(), platform, "platform threads");
        }
    }

    private static List<Entry> leak(Snapshot s, String key, String jdk, boolean jstack, boolean json, JsonNode leak) {
        String id = leak.get("id").asText();
        boolean virtual = leak.get("virtual").asBoolean();
        String regex = leak.get("thread_name_regex").asText();
        Pattern name = regex.equals("(empty name)") ? Pattern.compile("") : Pattern.compile(regex);
        JsonNode bf = leak.get("blocking_frame");
        // jstack names no mounted virtual thread: it is found by its blocking frame instead.
        List<Entry> matched = s.entries().stream()
                .filter(e -> (e.kind() == Entry.Kind.VIRTUAL_THREAD) == virtual)
                .filter(e -> e.name().isPresent() ? name.matcher(e.name().get()).matches()
                        : !bf.isNull() && indexOf(e, bf) >= 0)
                .toList();
        int expected = jstack && !leak.get("in_jstack").asBoolean() ? 0 : leak.get("count").asInt();
        assertEquals(expected, matched.size(), id + ": count");

        JsonNode states = leak.get("thread_state");
        JsonNode tops = leak.get("top_frame");
        for (Entry e : matched) {
            if (states.has(key)) assertEquals(Optional.ofNullable(Fixtures.text(states.get(key))), e.status(), id + ": state");
            e.status().ifPresent(st -> assertEquals(st.split(" ")[0], e.state().name(), id + ": state enum"));
            if (tops.has(key)) assertEquals(tops.get(key).asText(), e.stack().getFirst().toString(), id + ": top frame");
            if (bf.isNull()) {
                String present = leak.get("identified_by").get("jdk_frame_present").asText();
                assertTrue(e.stack().stream().allMatch(f -> isJdk(f.function())), id + ": only JDK frames");
                assertTrue(e.stack().stream().anyMatch(f -> f.function().equals(present)), id + ": " + present);
                continue;
            }
            int i = firstApplicationFrame(e);
            assertTrue(i >= 0, id + ": no application frame in " + e.stack());
            Frame f = e.stack().get(i);
            assertEquals(bf.get("class").asText(), f.className(), id + ": blocking class");
            assertEquals(bf.get("method").asText(), f.methodName(), id + ": blocking method");
            assertEquals(bf.get("file").asText(), f.file(), id + ": blocking file");
            assertEquals(bf.get("line").asInt(), f.line(), id + ": blocking line");
            JsonNode called = leak.get("jdk_frame_called_by_blocking_frame");
            if (called.isNull()) {
                assertEquals(0, i, id + ": the blocking frame is the top frame");
            } else if (called.has(jdk)) {
                assertEquals(called.get(jdk).asText(), e.stack().get(i - 1).toString(), id + ": JDK frame called");
            }
        }
        if (!jstack) lockFields(matched, leak, json, id);
        if (json) {
            for (Entry e : matched) {
                String container = leak.get("json_container").get(0).asText();
                if (container.equals("<root>")) {
                    assertTrue(e.owner().isEmpty(), id + ": root container");
                } else {
                    assertTrue(e.owner().orElseThrow().name().startsWith(container + "@"), id + ": container");
                    assertEquals("thread container", e.owner().get().kind());
                }
            }
            Set<Long> carriers = new HashSet<>();
            matched.forEach(e -> e.carrierId().ifPresent(carriers::add));
            Set<Long> expectedCarriers = new HashSet<>();
            JsonNode c = leak.get("json_carrier_tid");
            if (c != null) c.forEach(t -> expectedCarriers.add(t.asLong()));
            assertEquals(expectedCarriers, carriers, id + ": carriers");
        }
        return matched;
    }

    /** The JSON lock fields (and their plain-text lines): how many threads have each, and the example's values. */
    private static void lockFields(List<Entry> matched, JsonNode leak, boolean json, String id) {
        JsonNode present = leak.get("json_fields_present");
        Map<String, Long> counts = new HashMap<>();
        for (Entry e : matched) {
            if (e.parkBlocker().isPresent()) counts.merge("parkBlocker", 1L, Long::sum);
            if (e.waitingOn().isPresent()) counts.merge("waitingOn", 1L, Long::sum);
            if (e.blockedOn().isPresent()) counts.merge("blockedOn", 1L, Long::sum);
            if (e.locksHeld().stream().anyMatch(HeldLock::isMonitor)) counts.merge("monitorsOwned", 1L, Long::sum);
            if (e.carrierId().isPresent()) counts.merge("carrier", 1L, Long::sum);
        }
        Map<String, Long> want = new HashMap<>();
        present.properties().forEach(p -> {
            if (json || !p.getKey().equals("carrier")) want.put(p.getKey(), p.getValue().asLong()); // plain text has no carrier
        });
        assertEquals(want, counts, id + ": lock fields present");

        JsonNode ex = leak.get("json_example");
        if (ex.has("parkBlocker")) {
            String o = ex.get("parkBlocker").get("object").asText();
            assertTrue(matched.stream().anyMatch(e -> e.parkBlocker().map(Object::toString).orElse("").equals(o)), id + ": " + o);
        }
        for (String field : List.of("waitingOn", "blockedOn")) {
            if (!ex.has(field)) continue;
            String o = ex.get(field).asText();
            assertTrue(matched.stream().anyMatch(e -> (field.equals("waitingOn") ? e.waitingOn() : e.blockedOn())
                    .map(Object::toString).orElse("").equals(o)), id + ": " + field + " " + o);
        }
        if (ex.has("monitorsOwned")) {
            for (JsonNode m : ex.get("monitorsOwned")) {
                for (JsonNode lock : m.get("locks")) {
                    HeldLock h = new HeldLock(parseRef(lock.asText()), m.get("depth").asInt());
                    assertTrue(matched.stream().anyMatch(e -> e.locksHeld().contains(h)), id + ": holds " + h);
                }
            }
        }
        if (json && ex.has("carrier")) {
            long carrier = ex.get("carrier").asLong();
            assertTrue(matched.stream().anyMatch(e -> e.carrierId().orElse(-1) == carrier), id + ": carrier");
        }
    }

    private static void deadlocks(Snapshot s, JsonNode x, String key, boolean jstack) {
        if (jstack) {
            JsonNode report = x.get("jstack_deadlock_report").get(key);
            assertEquals(report.get("found_one_java_level_deadlock_sections").asInt(), s.deadlocks().size(), "deadlocks");
            List<List<List<String>>> want = new ArrayList<>();
            for (JsonNode cycle : report.get("cycles")) {
                List<List<String>> c = new ArrayList<>();
                cycle.forEach(e -> c.add(List.of(e.get("thread").asText(), e.get("waiting_for").asText(),
                        e.get("lock_class").asText(), e.get("held_by").asText())));
                want.add(c);
            }
            List<List<List<String>>> got = new ArrayList<>();
            for (Deadlock d : s.deadlocks()) {
                List<List<String>> c = new ArrayList<>();
                for (Deadlock.Edge e : d.cycle()) {
                    String kind = e.lockKind() == Deadlock.LockKind.MONITOR ? "monitor" : "ownable synchronizer";
                    c.add(List.of(e.thread(), kind, e.lock().className(), e.heldBy()));
                    assertTrue(e.lock().identity().startsWith("0x"), "lock address");
                }
                got.add(c);
            }
            assertEquals(want, got, "jstack's deadlock report");
        } else {
            assertTrue(s.deadlocks().isEmpty(), "JDK JSON and plain dumps report no deadlocks");
        }
        // Whatever the format, the entries carry what a wait-for graph needs to find each cycle.
        for (JsonNode d : x.get("deadlocks")) {
            List<String> names = new ArrayList<>();
            d.get("threads").forEach(t -> names.add(t.asText()));
            String lockClass = d.get("lock_class").asText();
            boolean monitor = d.get("kind").asText().equals("monitor");
            for (int i = 0; i < names.size(); i++) {
                Entry waiter = byName(s, names.get(i));
                Entry holder = byName(s, names.get((i + 1) % names.size()));
                ObjectRef wanted = (monitor ? waiter.blockedOn() : waiter.parkBlocker()).orElseThrow();
                assertEquals(lockClass, wanted.className(), waiter + ": lock class");
                assertEquals(monitor ? Entry.State.BLOCKED : Entry.State.WAITING, waiter.state());
                if (monitor || jstack) {
                    // JSON and plain dumps list no ownable synchronizers; jstack and every monitor do.
                    assertTrue(holder.locksHeld().stream().anyMatch(h -> h.lock().equals(wanted) && h.isMonitor() == monitor),
                            holder + " holds " + wanted);
                }
            }
        }
    }

    @Test
    void everyJvmFixtureFileIsCheckedAgainstGroundTruth() {
        Set<String> covered = new HashSet<>();
        for (Path p : Fixtures.expectedFiles("jvm")) {
            Fixtures.expected(p).get("files").forEach(f -> covered.add(f.asText()));
        }
        for (Path dump : Fixtures.dumps("jvm")) {
            assertTrue(covered.contains(dump.getFileName().toString()), dump + " has no ground truth");
        }
        assertFalse(covered.isEmpty());
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static Entry byName(Snapshot s, String name) {
        List<Entry> l = s.entries().stream().filter(e -> e.name().orElse("").equals(name)).toList();
        assertEquals(1, l.size(), "threads named " + name);
        return l.getFirst();
    }

    private static ObjectRef parseRef(String s) {
        int at = s.lastIndexOf('@');
        return new ObjectRef(s.substring(0, at), s.substring(at + 1));
    }

    static boolean isJdk(String function) {
        return function.startsWith("java.") || function.startsWith("javax.") || function.startsWith("jdk.")
                || function.startsWith("sun.") || function.startsWith("com.sun.");
    }

    /** The first frame of application code: what the ground truth calls the blocking frame. */
    static int firstApplicationFrame(Entry e) {
        for (int i = 0; i < e.stack().size(); i++) {
            if (!isJdk(e.stack().get(i).function())) return i;
        }
        return -1;
    }

    private static int indexOf(Entry e, JsonNode bf) {
        int i = firstApplicationFrame(e);
        if (i < 0) return -1;
        Frame f = e.stack().get(i);
        return f.className().equals(bf.get("class").asText()) && f.methodName().equals(bf.get("method").asText())
                && f.line() == bf.get("line").asInt() ? i : -1;
    }
}
