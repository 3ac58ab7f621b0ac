package dev.tether.cli;

import dev.tether.cli.Report.Link;
import dev.tether.cli.Report.LockCycle;
import dev.tether.profile.Deadlock;
import dev.tether.profile.Entry;
import dev.tether.profile.Frame;
import dev.tether.profile.HeldLock;
import dev.tether.profile.ObjectRef;
import dev.tether.profile.Snapshot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lock-order deadlocks in one JVM dump: cycles in the wait-for graph, where a thread points at the thread holding
 * the lock it waits for.
 *
 * <p>A thread waits for at most one lock: the monitor it is {@code BLOCKED} on ({@link Entry#blockedOn()}) or the
 * ownable synchronizer it is parked on ({@link Entry#parkBlocker()}, such as a {@code ReentrantLock}'s sync). Its
 * holder is the thread whose {@link Entry#locksHeld()} lists that object. Every node has at most one outgoing edge,
 * so a walk from each node either ends or enters a cycle; colouring nodes as the walks visit them finds every cycle
 * once, in time linear in the number of threads.
 *
 * <p>What a dump does not show cannot be found: the JDK's JSON and plain dumps list monitors held but not ownable
 * synchronizers, so a {@code ReentrantLock} cycle is visible in jstack ({@code -l}) only; jstack also reports
 * deadlocks itself ({@link Snapshot#deadlocks()}), which are taken as they are. Go dumps name no lock owners: a Go
 * mutex cycle shows as goroutines at {@code semacquire} sites, not as a deadlock.
 */
final class WaitForGraph {
    private WaitForGraph() {
    }

    static final String REPORTED = "reported by the JVM";
    static final String INFERRED = "wait-for graph";

    /** The deadlocks of {@code snapshot}, named for {@code instance}: the dump's own report, then the cycles found. */
    static List<LockCycle> cycles(Snapshot snapshot, String instance) {
        List<Entry> threads = new ArrayList<>();
        Map<String, Integer> holder = new HashMap<>();
        Map<String, Entry> byName = new HashMap<>();
        for (Entry e : snapshot.entries()) {
            if (e.count() != 1 || e.kind() == Entry.Kind.GOROUTINE) continue;
            int i = threads.size();
            threads.add(e);
            byName.putIfAbsent(label(e), e);
            for (HeldLock l : e.locksHeld()) holder.put(key(l.lock()), i);
        }
        List<LockCycle> out = new ArrayList<>();
        Set<Set<String>> seen = new HashSet<>();
        for (Deadlock d : snapshot.deadlocks()) {
            List<Link> links = new ArrayList<>();
            for (Deadlock.Edge edge : d.cycle()) {
                Entry e = byName.get(edge.thread());
                links.add(new Link(edge.thread(), edge.lock().toString(), edge.heldBy(), e == null ? null : site(e)));
            }
            if (seen.add(names(links))) out.add(new LockCycle(instance, links, REPORTED));
        }
        if (holder.isEmpty()) return out;

        int n = threads.size();
        int[] next = new int[n];
        String[] waitsFor = new String[n];
        for (int i = 0; i < n; i++) {
            Entry e = threads.get(i);
            ObjectRef lock = e.blockedOn().or(e::parkBlocker).orElse(null);
            Integer h = lock == null ? null : holder.get(key(lock));
            next[i] = h == null || h == i ? -1 : h;
            waitsFor[i] = lock == null ? null : lock.toString();
        }
        // 0 = unvisited, 1 = on the current walk, 2 = done.
        byte[] colour = new byte[n];
        for (int start = 0; start < n; start++) {
            int i = start;
            while (i >= 0 && colour[i] == 0) {
                colour[i] = 1;
                i = next[i];
            }
            if (i >= 0 && colour[i] == 1) {
                List<Link> links = new ArrayList<>();
                int j = i;
                do {
                    Entry e = threads.get(j);
                    links.add(new Link(label(e), waitsFor[j], label(threads.get(next[j])), site(e)));
                    j = next[j];
                } while (j != i);
                if (seen.add(names(links))) out.add(new LockCycle(instance, links, INFERRED));
            }
            for (i = start; i >= 0 && colour[i] == 1; i = next[i]) colour[i] = 2;
        }
        return out;
    }

    private static String key(ObjectRef lock) {
        return lock.className() + "@" + lock.identity();
    }

    private static String label(Entry e) {
        return e.name().filter(s -> !s.isEmpty()).orElseGet(() -> "#" + e.id().orElse(-1));
    }

    private static Frame site(Entry e) {
        SiteRules.Blocked b = SiteRules.classify(e);
        return b == null ? null : b.site();
    }

    private static Set<String> names(List<Link> links) {
        Set<String> s = new HashSet<>();
        for (Link l : links) s.add(l.thread());
        return s;
    }
}
