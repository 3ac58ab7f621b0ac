package dev.tether.profile;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads HotSpot's thread dump as {@code jstack -l}, {@code jcmd <pid> Thread.print} and {@code SIGQUIT} print it
 * ({@link Format#JSTACK}), JDK 17 and 21+ layouts:
 * <pre>
 * 2026-11-22 19:47:14
 * Full thread dump OpenJDK 64-Bit Server VM (25.0.3+9-LTS mixed mode, sharing):
 *
 * "transfer-A-to-B" #21 [14952] prio=5 os_prio=0 ... nid=14952 waiting for monitor entry  [0x...]
 *    java.lang.Thread.State: BLOCKED (on object monitor)
 * 	at demo.LockDeadlocks.transfer(LockDeadlocks.java:45)
 * 	- waiting to lock &lt;0x000000069ec19ed8&gt; (a demo.LockDeadlocks$Account)
 * 	- locked &lt;0x000000069ec19e90&gt; (a demo.LockDeadlocks$Account)
 *
 *    Locked ownable synchronizers:
 * 	- None
 *
 * "ForkJoinPool-1-worker-1" #23 [20899] daemon prio=5 ... tid=0x...  [0x...]    a carrier: no state line
 *    Carrying virtual thread #350
 * 	at jdk.internal.vm.Continuation.run(...)
 *    Mounted virtual thread #350
 * 	at java.io.FileInputStream.readBytes(java.base@25.0.3/Native Method)      the virtual thread's frames
 *
 * "VM Thread" os_prio=0 cpu=2.27ms ... nid=14942 runnable                     JVM-internal: no "#N"
 *
 * JNI global refs: 4, weak refs: 0
 *
 * Found one Java-level deadlock:
 * ...
 * Found 2 deadlocks.
 * </pre>
 *
 * <p>Implementation notes. A thread's block runs from its header to the next header or the {@code JNI global refs}
 * line; blank lines inside it (before {@code Locked ownable synchronizers}) do not end it. After {@code Mounted virtual
 * thread #N}, frames and locks go to a second entry, the virtual thread, whose carrier is the thread being read; the
 * ownable synchronizers listed after it stay with the carrier. The {@code JNI global refs} line ends every thread
 * list, and a deadlock report ends with {@code Found N deadlock(s).}: without them the dump was cut.
 */
final class JstackReader {

    private static final String STATE = "   java.lang.Thread.State: ";
    private static final String CARRYING = "   Carrying virtual thread #";
    private static final String MOUNTED = "   Mounted virtual thread #";
    private static final String OWNABLE = "   Locked ownable synchronizers:";
    private static final String DEADLOCK = "Found one Java-level deadlock:";

    private final LineReader in;
    private final String source;
    private final JvmSyntax syntax = new JvmSyntax();
    private final Entry.Builder thread = Entry.builder(Entry.Kind.PLATFORM_THREAD);
    private final Entry.Builder mounted = Entry.builder(Entry.Kind.VIRTUAL_THREAD);
    private final List<Entry> entries = new ArrayList<>();
    private final List<Deadlock> deadlocks = new ArrayList<>();
    private final List<String> preamble = new ArrayList<>();

    private Long processId;
    private String runtimeVersion;
    private boolean sawFullThreadDump;
    private boolean inThread;
    private boolean inMounted;
    private boolean inOwnable;
    private long threadId = -1;

    JstackReader(LineReader in, String source) {
        this.in = in;
        this.source = source;
    }

    Snapshot read() throws IOException {
        boolean endOfThreads = false;
        boolean skipping = false; // inside "Threads class SMR info:"
        while (!endOfThreads && in.next()) {
            if (skipping) {
                skipping = !in.isBlank();
                continue;
            }
            if (in.isBlank()) {
                continue;
            }
            byte first = in.buf[in.start];
            if (first == '"') {
                finish();
                header();
            } else if (first == ' ' || first == '\t') {
                if (!inThread) throw in.error("an indented line outside a thread: \"" + in.text() + "\"");
                body();
            } else if (in.startsWith("JNI global ref")) {
                finish();
                endOfThreads = true;
            } else if (in.startsWith("Threads class SMR info:")) {
                finish();
                skipping = true;
            } else if (entries.isEmpty() && !inThread) {
                preambleLine();
            } else {
                throw in.error("expected a thread \"\\\"name\\\" #N ...\", found \"" + in.text() + "\"");
            }
        }
        if (!sawFullThreadDump) throw in.errorAtEnd("no \"Full thread dump\" line: not jstack output");
        if (!endOfThreads) {
            finish();
            throw in.errorAtEnd("truncated: no \"JNI global refs\" line, which ends every thread list");
        }
        deadlockReport();
        return new Snapshot(new Snapshot.Metadata(Format.JSTACK, source, processId, null, runtimeVersion, null,
                preamble), entries, deadlocks);
    }

    /** {@code 12345:} (jcmd), a timestamp, {@code Full thread dump <VM> (<version> <mode>):}. */
    private void preambleLine() {
        String line = in.string(in.start, Math.min(in.end, in.start + 4096));
        if (line.startsWith("Full thread dump ")) {
            sawFullThreadDump = true;
            int open = line.lastIndexOf('(');
            if (open > 0) {
                int space = line.indexOf(' ', open);
                int close = line.indexOf(')', open);
                int to = space > 0 && (close < 0 || space < close) ? space : close;
                if (to > open + 1) runtimeVersion = line.substring(open + 1, to);
            }
        } else if (line.endsWith(":") && in.parseLong(in.start, in.end - 1) >= 0) {
            processId = in.parseLong(in.start, in.end - 1);
            return;
        }
        if (preamble.size() < 100) preamble.add(line);
    }

    /** {@code "name" #21 [14952] daemon prio=5 ...}; JVM-internal threads have no {@code #N}. */
    private void header() throws SnapshotFormatException {
        if (!sawFullThreadDump) throw in.error("a thread before the \"Full thread dump\" line");
        int quote = in.lastIndexOf((byte) '"', in.start + 1, in.end);
        if (quote < 0) throw in.error("a thread header without the name's closing quote: \"" + in.text() + "\"");
        String name = syntax.string(in.string(in.start + 1, quote));
        threadId = -1;
        int hash = quote + 1;
        while (hash < in.end && in.buf[hash] == ' ') hash++;
        if (hash < in.end && in.buf[hash] == '#') {
            threadId = in.parseLong(hash + 1, in.digitsEnd(hash + 1));
        }
        thread.reset(threadId >= 0 ? Entry.Kind.PLATFORM_THREAD : Entry.Kind.JVM_INTERNAL_THREAD).name(name);
        if (threadId >= 0) thread.id(threadId);
        inThread = true;
        inMounted = false;
        inOwnable = false;
    }

    private void body() throws SnapshotFormatException {
        if (in.startsWith("\tat ")) {
            inOwnable = false;
            Frame f = syntax.frame(in.string(in.start + 4, in.end));
            if (f == null) throw in.error("not a stack frame: \"" + in.text() + "\"");
            current().addFrame(f);
        } else if (in.startsWith("\t- ")) {
            lock();
        } else if (in.startsWith(STATE)) {
            String status = syntax.string(in.string(in.start + STATE.length(), in.end).strip());
            int paren = status.indexOf(" (");
            String name = paren < 0 ? status : status.substring(0, paren);
            thread.status(status).state(JvmSyntax.state(name));
            if (paren > 0 && status.endsWith(")")) {
                thread.waitReason(syntax.string(status.substring(paren + 2, status.length() - 1)));
            }
        } else if (in.startsWith(MOUNTED)) {
            long vid = in.parseLong(in.start + MOUNTED.length(), in.end);
            if (vid < 0) throw in.error("expected a thread id after \"Mounted virtual thread #\"");
            mounted.reset(Entry.Kind.VIRTUAL_THREAD).id(vid);
            if (threadId >= 0) mounted.carrierId(threadId);
            inMounted = true;
        } else if (in.startsWith(OWNABLE)) {
            inOwnable = true;
        }
        // Other indented lines carry nothing the model keeps: "Carrying virtual thread #N" (the mounted section
        // repeats the id), compiler threads' "No compile task", "Compiling: ...".
    }

    private Entry.Builder current() {
        return inMounted ? mounted : thread;
    }

    /** {@code - locked <0x...> (a C)} and the like; in the ownable synchronizers section, {@code - <0x...> (a C)}. */
    private void lock() throws SnapshotFormatException {
        String text = in.string(in.start + 3, in.end);
        if (inOwnable) {
            ObjectRef ref = syntax.addressRef(text);
            if (ref != null) thread.addHeldLock(new HeldLock(ref, HeldLock.OWNABLE_SYNCHRONIZER));
            return;
        }
        ObjectRef ref = syntax.addressRef(text);
        if (ref == null) return; // "- waiting on <no object reference available>", "- eliminated <owner is scalar replaced>"
        Entry.Builder e = current();
        if (text.startsWith("locked ")) {
            if (e.frameCount() == 0) throw in.error("a lock line before any frame");
            e.addHeldLock(new HeldLock(ref, e.frameCount() - 1));
        } else if (text.startsWith("waiting to lock ") || text.startsWith("waiting to re-lock")) {
            e.blockedOn(ref);
        } else if (text.startsWith("parking to wait for ")) {
            e.parkBlocker(ref);
        } else if (text.startsWith("waiting on ")) {
            e.waitingOn(ref);
        }
    }

    private void finish() {
        if (!inThread) return;
        entries.add(thread.build());
        if (inMounted) entries.add(mounted.build());
        inThread = false;
        inMounted = false;
        inOwnable = false;
    }

    /**
     * After the thread list: zero or more deadlock sections, then {@code Found N deadlock(s).}
     * <pre>
     * Found one Java-level deadlock:
     * =============================
     * "transfer-A-to-B":
     *   waiting to lock monitor 0x00007f8054050500 (object 0x000000069ec19ed8, a demo.LockDeadlocks$Account),
     *   which is held by "transfer-B-to-A"
     * "inventory-writer":
     *   waiting for ownable synchronizer 0x000000069ec1a028, (a java.util.concurrent.locks.ReentrantLock$NonfairSync),
     *   which is held by "order-writer"
     *
     * Java stack information for the threads listed above:
     * ===================================================
     * ... (skipped: the same stacks as in the thread list)
     * </pre>
     */
    private void deadlockReport() throws IOException {
        List<Deadlock.Edge> cycle = null;
        boolean inStacks = false;
        String thread = null;
        Deadlock.LockKind kind = null;
        ObjectRef lock = null;
        while (in.next()) {
            if (in.startsWith(DEADLOCK)) {
                if (cycle != null) deadlocks.add(deadlock(cycle));
                cycle = new ArrayList<>();
                inStacks = false;
                thread = null;
                continue;
            }
            if (in.startsWith("Found ") && (in.endsWith(" deadlock.") || in.endsWith(" deadlocks."))) {
                if (cycle != null) deadlocks.add(deadlock(cycle));
                long n = in.parseLong(in.start + 6, in.digitsEnd(in.start + 6));
                if (n != deadlocks.size()) {
                    throw in.error("the summary counts " + n + " deadlocks but " + deadlocks.size() + " are listed");
                }
                expectEnd();
                return;
            }
            if (in.isBlank() || inStacks) continue;
            if (cycle == null) throw afterThreadList();
            if (in.startsWith("Java stack information")) {
                inStacks = true;
            } else if (in.buf[in.start] == '"' && in.end - in.start >= 3 && in.endsWith("\":")) {
                thread = syntax.string(in.string(in.start + 1, in.end - 2));
                kind = null;
                lock = null;
            } else if (in.startsWith("  waiting to lock monitor ")) {
                kind = Deadlock.LockKind.MONITOR;
                int object = in.indexOf("(object ", in.start);
                if (object < 0) throw in.error("expected \"(object 0x...\" in the deadlock report, found \"" + in.text() + "\"");
                lock = deadlockLock(object + "(object ".length());
            } else if (in.startsWith("  waiting for ownable synchronizer ")) {
                kind = Deadlock.LockKind.OWNABLE_SYNCHRONIZER;
                lock = deadlockLock(in.start + "  waiting for ownable synchronizer ".length());
            } else if (in.startsWith("  which is held by ")) {
                if (thread == null || kind == null) throw in.error("\"which is held by\" without a waiting thread");
                String held = in.string(in.start + "  which is held by ".length(), in.end).strip();
                if (held.length() >= 2 && held.startsWith("\"") && held.endsWith("\"")) {
                    held = held.substring(1, held.length() - 1);
                }
                cycle.add(new Deadlock.Edge(thread, kind, lock, syntax.string(held)));
                thread = null;
            }
        }
        if (cycle != null) throw in.errorAtEnd("truncated: a deadlock report without its \"Found N deadlocks.\" line");
    }

    /** {@code 0x000000069ec19ed8, a demo.X)} or {@code 0x000000069ec1a028, (a demo.Y),}: the address, then the class. */
    private ObjectRef deadlockLock(int from) throws SnapshotFormatException {
        int comma = in.indexOf((byte) ',', from);
        int a = comma < 0 ? -1 : in.indexOf("a ", comma);
        int close = in.lastIndexOf((byte) ')', from, in.end);
        if (comma < 0 || a < 0 || close < a || !in.startsWith(from, "0x")) {
            throw in.error("expected \"0x... (a <class>)\" in the deadlock report, found \"" + in.text() + "\"");
        }
        return new ObjectRef(syntax.string(in.string(a + 2, close)), in.string(from, comma));
    }

    /** A reported deadlock; a "Found one Java-level deadlock" section that names no waiting thread is malformed. */
    private Deadlock deadlock(List<Deadlock.Edge> cycle) throws SnapshotFormatException {
        if (cycle.isEmpty()) throw in.error("a deadlock report that names no waiting thread");
        return new Deadlock(cycle);
    }

    /** Nothing but blank lines may follow the deadlock summary: a second dump appended to the file is an error. */
    private void expectEnd() throws java.io.IOException {
        while (in.next()) {
            if (!in.isBlank()) throw afterThreadList();
        }
    }

    private SnapshotFormatException afterThreadList() {
        return in.error("unexpected after the thread list and its deadlock report (a second dump appended to the"
                + " file? read one dump per file): \"" + in.text() + "\"");
    }
}
