package dev.tether.test;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Checks after each test that the test left no thread or task running: goleak's {@code VerifyNone} as a JUnit
 * Jupiter extension, on a test class or a single test method.
 *
 * <p>Each test is checked only for threads <em>it</em> created (directly or through threads it created): the test's
 * thread carries an inheritable blame that every thread started from it inherits, so under parallel execution a
 * leak fails the test that started it, not whichever test finishes next. Threads are described as by
 * {@link Leaks#find}; the attributes add ignores to the {@linkplain Leaks defaults}.
 *
 * <p>Needs {@code --add-opens java.base/java.lang=ALL-UNNAMED} (to read a thread's blame) and, to see raw virtual
 * threads, {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}. Without the first, no leak can be
 * attributed to a test and this check finds nothing; the suite-wide check still does.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(LeakExtension.class)
public @interface VerifyNoLeaks {
    /** Regular expressions of thread names to ignore ({@link LeakOption#ignoreThreadName}). */
    String[] ignoreThreadNames() default {};

    /** Frames to ignore threads blocked in ({@link LeakOption#ignoreTopFrame}). */
    String[] ignoreTopFrames() default {};

    /** Frames to ignore threads with anywhere on their stack ({@link LeakOption#ignoreAnyFrame}). */
    String[] ignoreAnyFrames() default {};

    /** Creation sites to ignore ({@link LeakOption#ignoreCreator}). */
    String[] ignoreCreators() default {};

    /** The wait bound in milliseconds ({@link LeakOption#maxWait}); negative for the default. */
    long maxWaitMillis() default -1;
}
