package dev.tether.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What one spawn pays to record its creation site: the stack walk that {@code dev.tether.CreationSites.caller()}
 * does on every {@code go}, replicated here (same walker options, same per-frame test) because that class is
 * package-private, including its cache lookup of the site.
 * Measured from the JMH thread and, per {@value #BATCH} walks, from inside a virtual thread, four frames below the
 * "user" frame as in a real spawn ({@code go -> spawn -> caller -> walk}). Compare with {@link SpawnBench}'s raw
 * spawn + join.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class CreationSiteCost {

    static final int BATCH = 100;

    /** Stands for Tether's frames: TaskScope.go -> Task.spawn -> CreationSites.caller -> StackWalker.walk. */
    static final class Lib {
        private static final StackWalker WALKER =
                StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
        private static final String PKG = Lib.class.getPackageName();

        /** The same walk as CreationSites.caller(): the first frame not of the library, found with the same
         * per-frame package-name test. */
        static StackWalker.StackFrame caller() {
            return WALKER.walk(s -> s
                    .filter(x -> !x.getDeclaringClass().getPackageName().equals(PKG) || x.getDeclaringClass() != Lib.class)
                    .findFirst().orElse(null));
        }

        static Object go() {
            return spawn();
        }

        private record Key(Class<?> type, String method, int bci) {
        }

        private static final ConcurrentHashMap<Key, StackTraceElement> SITES = new ConcurrentHashMap<>();

        /** The rest of CreationSites.caller(): one shared StackTraceElement per distinct site. */
        static Object spawn() {
            StackWalker.StackFrame f = caller();
            if (f == null) return null;
            Key k = new Key(f.getDeclaringClass(), f.getMethodName(), f.getByteCodeIndex());
            StackTraceElement e = SITES.get(k);
            if (e == null) {
                e = f.toStackTraceElement();
                StackTraceElement prior = SITES.putIfAbsent(k, e);
                if (prior != null) e = prior;
            }
            return e;
        }
    }

    @Benchmark
    public Object stackWalk_fromPlatform() {
        return Lib.go();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object stackWalk_fromVirtual() throws InterruptedException {
        Object[] out = new Object[1];
        Thread t = Thread.ofVirtual().start(() -> {
            Object last = null;
            for (int i = 0; i < BATCH; i++) last = Lib.go();
            out[0] = last;
        });
        t.join();
        return out[0];
    }
}
