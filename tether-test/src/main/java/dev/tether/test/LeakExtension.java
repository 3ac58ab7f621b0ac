package dev.tether.test;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The extension behind {@link VerifyNoLeaks}: marks the test's thread with the test's blame before each test and
 * checks, after it, for live threads carrying that blame.
 */
public final class LeakExtension implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakExtension.class);

    /** Created by JUnit. */
    public LeakExtension() {
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Blame prev = Blame.enter(SuiteLeakExtension.testPath(context), context.getUniqueId());
        context.getStore(NS).put("prev", prev == null ? NONE : prev);
        context.getStore(NS).put("minId", ThreadIds.next());
    }

    private static final Object NONE = new Object();

    @Override
    public void afterEach(ExtensionContext context) {
        Object prev = context.getStore(NS).remove("prev");
        Blame.restore(prev instanceof Blame b ? b : null);
        List<LeakOption> options = new ArrayList<>();
        options.add(LeakOption.onlyTest(context.getUniqueId(), context.getStore(NS).remove("minId", Long.class)));
        // A method's annotation adds to its class's: ignores from both apply; the method's wait bound wins.
        VerifyNoLeaks onMethod = AnnotationSupport.findAnnotation(context.getRequiredTestMethod(), VerifyNoLeaks.class)
                .orElse(null);
        VerifyNoLeaks onClass = AnnotationSupport.findAnnotation(context.getRequiredTestClass(), VerifyNoLeaks.class)
                .orElse(null);
        long maxWait = -1;
        for (VerifyNoLeaks config : new VerifyNoLeaks[] {onClass, onMethod}) {
            if (config == null) continue;
            for (String s : config.ignoreThreadNames()) options.add(LeakOption.ignoreThreadName(s));
            for (String s : config.ignoreTopFrames()) options.add(LeakOption.ignoreTopFrame(s));
            for (String s : config.ignoreAnyFrames()) options.add(LeakOption.ignoreAnyFrame(s));
            for (String s : config.ignoreCreators()) options.add(LeakOption.ignoreCreator(s));
            if (config.maxWaitMillis() >= 0) maxWait = config.maxWaitMillis();
        }
        if (maxWait >= 0) options.add(LeakOption.maxWait(Duration.ofMillis(maxWait)));
        LeakReport r = Leaks.find(options.toArray(LeakOption[]::new));
        if (!r.isEmpty()) throw new AssertionError("the test left threads running: " + r);
    }
}
