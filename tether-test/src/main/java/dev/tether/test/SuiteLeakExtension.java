package dev.tether.test;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;

/**
 * The suite-wide check (goleak's {@code VerifyTestMain}), switched on for a whole build without touching test code
 * by one key in {@code src/test/resources/junit-platform.properties}:
 *
 * <pre>
 * junit.jupiter.extensions.autodetection.enabled=true
 * </pre>
 *
 * With that key JUnit Jupiter loads this extension through {@code ServiceLoader} for every test class. It marks each
 * test class's and each test's thread with a blame that every thread started from it inherits, and after the last
 * test of a class fails the class if any thread or task started by the class (its tests, its
 * {@code @BeforeAll}/{@code @AfterAll}, or threads they started) is still running. A leak is therefore reported on
 * the class that caused it, even when classes and methods run in parallel; the report names the test.
 *
 * <p>{@value #MAX_WAIT_KEY} (milliseconds) sets the wait bound; the default is {@link Leaks#DEFAULT_MAX_WAIT_MILLIS}.
 * Like {@link VerifyNoLeaks}, it needs {@code --add-opens java.base/java.lang=ALL-UNNAMED} to read blame (without
 * it the check finds nothing) and {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED} to see raw virtual
 * threads.
 */
public final class SuiteLeakExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {
    /** The configuration key for the wait bound, in milliseconds. */
    public static final String MAX_WAIT_KEY = "tether.leaks.maxWaitMillis";

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SuiteLeakExtension.class);
    private static final Object NONE = new Object();

    /** Created by JUnit. */
    public SuiteLeakExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("minId", ThreadIds.next());
        enter(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        enter(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        exit(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        exit(context);
        Duration wait = context.getConfigurationParameter(MAX_WAIT_KEY, SuiteLeakExtension::millis)
                .map(Duration::ofMillis).orElse(Leaks.DEFAULT_MAX_WAIT);
        long minId = context.getStore(NS).get("minId", Long.class);
        LeakReport r = Leaks.find(LeakOption.onlyTest(context.getUniqueId(), minId), LeakOption.maxWait(wait));
        if (!r.isEmpty()) {
            throw new AssertionError(context.getDisplayName() + " left threads running after its tests: " + r);
        }
    }

    private static long millis(String value) {
        try {
            long ms = Long.parseLong(value.strip());
            if (ms >= 0) return ms;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(MAX_WAIT_KEY + " must be a number of milliseconds >= 0, was '" + value + "'");
    }

    private static void enter(ExtensionContext context) {
        Blame prev = Blame.enter(testPath(context), context.getUniqueId());
        context.getStore(NS).put("prev", prev == null ? NONE : prev);
    }

    private static void exit(ExtensionContext context) {
        Object prev = context.getStore(NS).remove("prev");
        Blame.restore(prev instanceof Blame b ? b : null);
    }

    /** A readable name for a test or class: {@code GroupTest > limitBoundsConcurrency()}, or {@code GroupTest}. */
    static String testPath(ExtensionContext context) {
        String cls = context.getTestClass().map(Class::getSimpleName).orElse("");
        return context.getTestMethod().isPresent() ? cls + " > " + context.getDisplayName() : cls;
    }
}
