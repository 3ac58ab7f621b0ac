package dev.tether.test;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test class that exists to be run by another test through {@link TestKit}, never on its own: its tests
 * leak on purpose. Such classes are static nested classes, which neither surefire (it skips {@code *$*} classes)
 * nor the Jupiter engine (it descends only into {@code @Nested} inner classes) runs from the enclosing class; this
 * condition also disables them when an IDE runs a whole package.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(Sample.OnlyThroughTestKit.class)
@interface Sample {
    /** The configuration parameter {@link TestKit} sets. */
    String KEY = "tether.test.runSamples";

    /** Enables a sample class only when {@link #KEY} is set. */
    final class OnlyThroughTestKit implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(KEY, Boolean::parseBoolean).orElse(false)
                    ? ConditionEvaluationResult.enabled("run through the testkit")
                    : ConditionEvaluationResult.disabled("a sample leaks on purpose; run only through TestKit");
        }
    }
}
