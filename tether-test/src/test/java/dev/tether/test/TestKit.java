package dev.tether.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs {@link Sample} classes with the Jupiter engine, in this JVM, and reads their outcomes. */
final class TestKit {
    private TestKit() {
    }

    /** The key that switches the suite-wide check on. */
    static final String AUTODETECT = "junit.jupiter.extensions.autodetection.enabled";

    /**
     * Runs {@code sample} with the configuration parameters {@code params}. Extension autodetection (the suite-wide
     * check) is off unless {@code params} switch it on, whatever system properties the outer run has.
     */
    static EngineExecutionResults run(Class<?> sample, Map<String, String> params) {
        Map<String, String> all = new HashMap<>();
        all.put(Sample.KEY, "true");
        all.put(AUTODETECT, "false");
        all.putAll(params);
        return EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(sample))
                .configurationParameters(all)
                .execute();
    }

    static EngineExecutionResults run(Class<?> sample) {
        return run(sample, Map.of());
    }

    /** The outcome of the one finished test or container among {@code events} displayed as {@code displayName}. */
    static TestExecutionResult outcome(Events events, String displayName) {
        List<Event> finished = events.finished().stream()
                .filter(e -> e.getTestDescriptor().getDisplayName().equals(displayName)).toList();
        assertEquals(1, finished.size(), () -> "finished events named " + displayName + " among " + events.list());
        return finished.getFirst().getRequiredPayload(TestExecutionResult.class);
    }

    /** The failure of {@code displayName}, failing if it did not fail. */
    static Throwable failure(Events events, String displayName) {
        TestExecutionResult r = outcome(events, displayName);
        assertEquals(TestExecutionResult.Status.FAILED, r.getStatus(), () -> displayName + " failed");
        return r.getThrowable().orElseThrow();
    }

    /** Fails unless {@code displayName} succeeded, showing why it did not. */
    static void assertSucceeded(Events events, String displayName) {
        TestExecutionResult r = outcome(events, displayName);
        assertEquals(TestExecutionResult.Status.SUCCESSFUL, r.getStatus(),
                () -> displayName + " succeeded, but: " + r.getThrowable().map(Throwable::toString).orElse("?"));
    }
}
