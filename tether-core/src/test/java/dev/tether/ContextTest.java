package dev.tether;

import static dev.tether.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// Safety net only (the tests synchronize with bounded waits): a deadlock fails the test instead of hanging the build.
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ContextTest {

    private static final Duration LONG = Duration.ofHours(1);

    /** Waits (bounded) until {@code ctx} is done through its own done clause; true if it became done. */
    private static boolean awaitDone(Context ctx) throws InterruptedException {
        return Select.select(
                ctx.done().map(x -> true),
                Select.timeout(Duration.ofSeconds(TestSupport.WAIT_SECONDS)).map(x -> false));
    }

    // ---- background -------------------------------------------------------------------------------------------

    @Test
    void backgroundIsNeverDoneAndHasNoDeadlineOrValues() throws InterruptedException {
        Context bg = Context.background();
        assertFalse(bg.isDone());
        assertNull(bg.err());
        assertNull(bg.cause());
        assertEquals(Optional.empty(), bg.deadline());
        assertEquals(Optional.empty(), bg.value(Context.Key.of("k", String.class)));
        String r = Select.select(bg.done().map(x -> "done"), Select.otherwise().map(x -> "not done"));
        assertEquals("not done", r);
    }

    @Test
    void currentIsBackgroundWhenNothingIsBound() {
        assertSame(Context.background(), Context.current());
    }

    // ---- cancel / close ---------------------------------------------------------------------------------------

    @Test
    void withCancelIsNotDoneUntilCancelled() {
        try (CancelContext ctx = Context.background().withCancel()) {
            assertFalse(ctx.isDone());
            assertNull(ctx.err());
            assertNull(ctx.cause());
            ctx.cancel();
            assertTrue(ctx.isDone());
            CancelledException err = ctx.err();
            assertNotNull(err);
            assertFalse(err instanceof DeadlineExceededException, "a plain cancel is not a deadline");
            assertSame(err, ctx.err(), "err() returns the same instance each time");
            assertSame(err, ctx.cause(), "without a cause, cause() is err()");
        }
    }

    @Test
    void closeCancels() {
        CancelContext ctx = Context.background().withCancel();
        ctx.close();
        assertTrue(ctx.isDone());
        assertInstanceOf(CancelledException.class, ctx.err());
    }

    @Test
    void cancelWithCauseReportsTheCauseFromCauseAndErr() {
        IllegalStateException boom = new IllegalStateException("boom");
        try (CancelContext ctx = Context.background().withCancel()) {
            ctx.cancel(boom);
            assertSame(boom, ctx.cause());
            assertSame(boom, ctx.err().getCause());
            assertFalse(ctx.err() instanceof DeadlineExceededException);
        }
    }

    @Test
    void firstCancellationWins() {
        RuntimeException first = new RuntimeException("first");
        CancelContext ctx = Context.background().withCancel();
        ctx.cancel(first);
        CancelledException err = ctx.err();
        ctx.cancel(new RuntimeException("second"));
        ctx.cancel();
        ctx.close();
        assertSame(err, ctx.err());
        assertSame(first, ctx.cause());
    }

    @Test
    void cancellingAChildLeavesItsParentRunning() {
        try (CancelContext parent = Context.background().withCancel()) {
            CancelContext child = parent.withCancel();
            child.cancel();
            assertTrue(child.isDone());
            assertFalse(parent.isDone());
        }
    }

    @Test
    void cancellationWakesAWaitingDoneClause() throws Throwable {
        CancelContext ctx = Context.background().withCancel();
        RuntimeException why = new RuntimeException("why");
        TestSupport.Forked<Throwable> waiter = TestSupport.fork(() -> {
            Select.select(ctx.done());
            return ctx.cause();
        });
        TestSupport.awaitParked(waiter.thread());
        ctx.cancel(why);
        assertSame(why, waiter.get());
    }

    // ---- deadlines --------------------------------------------------------------------------------------------

    @Test
    void withTimeoutExpiresWithDeadlineExceeded() throws InterruptedException {
        try (CancelContext ctx = Context.background().withTimeout(Duration.ofMillis(20))) {
            assertTrue(awaitDone(ctx), "the context expired");
            assertInstanceOf(DeadlineExceededException.class, ctx.err());
            assertSame(ctx.err(), ctx.cause(), "an expiry carries no cause of its own");
        }
    }

    @Test
    void withTimeoutReportsItsDeadline() {
        Instant before = Instant.now();
        try (CancelContext ctx = Context.background().withTimeout(LONG)) {
            Instant after = Instant.now();
            Instant d = ctx.deadline().orElseThrow();
            assertFalse(d.isBefore(before.plus(LONG)), d + " is not before " + before.plus(LONG));
            assertFalse(d.isAfter(after.plus(LONG)), d + " is not after " + after.plus(LONG));
            assertFalse(ctx.isDone());
        }
    }

    @Test
    void deadlineExpiryWakesAnOperationWaitingUnderTheContext() {
        Channel<String> ch = Channel.unbuffered();
        try (CancelContext ctx = Context.background().withTimeout(Duration.ofMillis(20))) {
            assertThrows(DeadlineExceededException.class, () -> ctx.call(ch::receive));
        }
    }

    @Test
    void parentDeadlineIsInheritedWhenEarlier() {
        int timers = Timers.pending();
        try (CancelContext parent = Context.background().withTimeout(LONG);
             CancelContext later = parent.withTimeout(LONG.multipliedBy(2));
             CancelContext laterDeadline = parent.withDeadline(Instant.now().plus(LONG.multipliedBy(3)))) {
            assertEquals(parent.deadline(), later.deadline());
            assertEquals(parent.deadline(), laterDeadline.deadline());
            assertEquals(timers + 1, Timers.pending(), "children whose parent expires first need no timer");
        }
        assertEquals(timers, Timers.pending());
    }

    @Test
    void hugeTimeoutIsAcceptedAndDoesNotExpire() {
        int timers = Timers.pending();
        try (CancelContext ctx = Context.background().withTimeout(ChronoUnit.FOREVER.getDuration())) {
            assertFalse(ctx.isDone());
            assertTrue(ctx.deadline().isPresent());
        }
        assertEquals(timers, Timers.pending());
    }

    @Test
    void ownDeadlineIsKeptWhenEarlierThanTheParents() {
        try (CancelContext parent = Context.background().withTimeout(LONG.multipliedBy(2));
             CancelContext child = parent.withTimeout(LONG)) {
            assertTrue(child.deadline().orElseThrow().isBefore(parent.deadline().orElseThrow()));
        }
    }

    @Test
    void parentExpiryCancelsChildrenWithDeadlineExceeded() throws InterruptedException {
        try (CancelContext parent = Context.background().withTimeout(Duration.ofMillis(20));
             CancelContext child = parent.withCancel()) {
            assertEquals(parent.deadline(), child.deadline());
            assertTrue(awaitDone(child));
            assertInstanceOf(DeadlineExceededException.class, child.err());
        }
    }

    @Test
    void withDeadlineInThePastIsBornDone() {
        try (CancelContext ctx = Context.background().withDeadline(Instant.now().minusSeconds(1))) {
            assertTrue(ctx.isDone());
            assertInstanceOf(DeadlineExceededException.class, ctx.err());
        }
    }

    @Test
    void zeroTimeoutIsBornDone() {
        try (CancelContext ctx = Context.background().withTimeout(Duration.ZERO)) {
            assertTrue(ctx.isDone());
            assertInstanceOf(DeadlineExceededException.class, ctx.err());
        }
    }

    @Test
    void bornExpiredContextIsNotRetainedByItsParent() {
        try (CancelContext parent = Context.background().withCancel()) {
            CancelContext past = parent.withDeadline(Instant.now().minusSeconds(1));
            CancelContext zero = parent.withTimeout(Duration.ZERO);
            assertTrue(past.isDone() && zero.isDone());
            assertFalse(TestSupport.hasChildren(parent),
                    "a context born expired must not stay linked under its parent for the parent's lifetime");
        }
    }

    @Test
    void closedChildIsReleasedByItsParent() {
        try (CancelContext parent = Context.background().withCancel()) {
            CancelContext a = parent.withCancel();
            CancelContext b = parent.withTimeout(LONG);
            assertTrue(TestSupport.hasChildren(parent));
            b.close();
            a.close();
            assertFalse(TestSupport.hasChildren(parent), "closing a child unlinks it from its parent");
        }
    }

    @Test
    void closedAndExpiredTimeoutContextsLeaveNoTimerBehind() throws InterruptedException {
        int baseline = Timers.pending();
        List<CancelContext> open = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) open.add(Context.background().withTimeout(LONG));
        assertEquals(baseline + 1_000, Timers.pending());
        open.forEach(CancelContext::close);
        assertEquals(baseline, Timers.pending(), "closing releases the timer at once");

        List<CancelContext> expiring = new ArrayList<>();
        for (int i = 0; i < 100; i++) expiring.add(Context.background().withTimeout(Duration.ofMillis(1)));
        for (CancelContext c : expiring) assertTrue(awaitDone(c));
        TestSupport.eventually(() -> Timers.pending() == baseline, "expired timers are gone");
    }

    @Test
    void cancellingAParentReleasesTheTimersOfItsDescendants() {
        int baseline = Timers.pending();
        CancelContext root = Context.background().withCancel();
        for (int i = 0; i < 100; i++) root.withCancel().withTimeout(LONG.plusSeconds(i));
        assertEquals(baseline + 100, Timers.pending());
        root.cancel();
        assertEquals(baseline, Timers.pending());
    }

    // ---- the tree -----------------------------------------------------------------------------------------------

    @Test
    void cancellationReachesEveryDescendantWithTheSameCause() {
        Context.Key<String> k = Context.Key.of("k", String.class);
        RuntimeException why = new RuntimeException("why");
        CancelContext root = Context.background().withCancel();
        Context valued = root.withValue(k, "v");
        CancelContext child = valued.withCancel();
        CancelContext grandchild = child.withTimeout(LONG);
        Context valuedGrandchild = grandchild.withValue(k, "w");

        root.cancel(why);

        for (Context c : List.of(root, valued, child, grandchild, valuedGrandchild)) {
            assertTrue(c.isDone(), c + " is done");
            assertSame(why, c.cause(), c + " carries the cause");
            assertSame(root.err(), c.err());
        }
    }

    @Test
    void contextsDerivedFromADoneContextAreBornDone() {
        int timers = Timers.pending();
        RuntimeException why = new RuntimeException("why");
        CancelContext root = Context.background().withCancel();
        root.cancel(why);

        CancelContext child = root.withCancel();
        CancelContext timed = root.withTimeout(LONG);
        Context valued = root.withValue(Context.Key.of("k", String.class), "v");

        assertTrue(child.isDone());
        assertTrue(timed.isDone());
        assertTrue(valued.isDone());
        assertSame(why, child.cause());
        assertSame(why, timed.cause());
        assertEquals(timers, Timers.pending(), "a context born done schedules no timer");
    }

    @Test
    void aHundredThousandDeepChainCancelsWithoutStackOverflow() {
        CancelContext root = Context.background().withCancel();
        CancelContext leaf = root;
        for (int i = 0; i < 100_000; i++) leaf = leaf.withCancel();
        RuntimeException why = new RuntimeException("deep");
        root.cancel(why);
        assertTrue(leaf.isDone());
        assertSame(why, leaf.cause());
    }

    @Test
    void concurrentCancellationsAgreeOnOneReason() throws Throwable {
        for (int round = 0; round < 200; round++) {
            CancelContext ctx = Context.background().withCancel();
            CancelContext child = ctx.withCancel();
            CountDownLatch go = new CountDownLatch(1);
            List<TestSupport.Forked<Object>> racers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                RuntimeException cause = new RuntimeException("racer " + i);
                racers.add(TestSupport.fork(() -> {
                    go.await();
                    ctx.cancel(cause);
                    return null;
                }));
            }
            go.countDown();
            for (var r : racers) r.get();
            Throwable winner = ctx.cause();
            assertTrue(winner.getMessage().startsWith("racer "));
            assertSame(winner, child.cause(), "the child saw the winning cancellation");
            assertSame(winner, ctx.err().getCause());
        }
    }

    @Test
    void whatIsLinkedWhileAFreshContextIsCancelledIsCancelledToo() throws Throwable {
        // A context that has linked nothing yet is cancelled without its monitor (see CancelContext.cancelOne);
        // a child or listener linked at that very moment must still learn of the cancellation.
        int missed = 0;
        for (int round = 0; round < 5_000; round++) {
            CancelContext ctx = Context.background().withCancel();
            CountDownLatch go = new CountDownLatch(1);
            TestSupport.Forked<CancelContext> linker = TestSupport.fork(() -> {
                go.await();
                return ctx.withCancel();
            });
            TestSupport.Forked<Boolean> listener = TestSupport.fork(() -> {
                go.await();
                return awaitDone(ctx); // links a done-listener unless ctx is done already
            });
            go.countDown();
            ctx.cancel();
            CancelContext child = linker.get();
            if (!child.isDone()) missed++;
            assertTrue(listener.get(), "a done clause waiting on the context was woken");
            assertFalse(TestSupport.hasChildren(ctx) || TestSupport.hasListeners(ctx),
                    "a cancelled context keeps no child and no listener");
        }
        assertEquals(0, missed, "children linked during the cancellation that were left running");
    }

    // ---- values -------------------------------------------------------------------------------------------------

    @Test
    void valueIsFoundOnTheContextAndItsDescendants() {
        Context.Key<String> user = Context.Key.of("user", String.class);
        Context ctx = Context.background().withValue(user, "ada");
        try (CancelContext child = ctx.withCancel()) {
            assertEquals(Optional.of("ada"), ctx.value(user));
            assertEquals(Optional.of("ada"), child.value(user));
            assertEquals(Optional.empty(), Context.background().value(user));
        }
    }

    @Test
    void innerBindingShadowsOuterOnlyBelowIt() {
        Context.Key<Integer> n = Context.Key.of("n", Integer.class);
        Context outer = Context.background().withValue(n, 1);
        Context inner = outer.withValue(n, 2);
        assertEquals(Optional.of(2), inner.value(n));
        assertEquals(Optional.of(1), outer.value(n));
    }

    @Test
    void keysCompareByIdentityNotName() {
        Context.Key<String> a = Context.Key.of("same", String.class);
        Context.Key<String> b = Context.Key.of("same", String.class);
        Context ctx = Context.background().withValue(a, "from a");
        assertEquals(Optional.of("from a"), ctx.value(a));
        assertEquals(Optional.empty(), ctx.value(b));
    }

    @Test
    void valuesOfDifferentKeysCoexist() {
        Context.Key<String> name = Context.Key.of("name", String.class);
        Context.Key<Long> id = Context.Key.of("id", Long.class);
        Context ctx = Context.background().withValue(name, "x").withValue(id, 7L);
        assertEquals(Optional.of("x"), ctx.value(name));
        assertEquals(Optional.of(7L), ctx.value(id));
    }

    @Test
    void valueContextIsDoneExactlyWhenItsParentIs() {
        try (CancelContext parent = Context.background().withCancel()) {
            Context valued = parent.withValue(Context.Key.of("k", String.class), "v");
            assertFalse(valued.isDone());
            assertEquals(parent.deadline(), valued.deadline());
            parent.cancel();
            assertTrue(valued.isDone());
            assertSame(parent.err(), valued.err());
        }
    }

    // ---- the current context ------------------------------------------------------------------------------------

    @Test
    void runBindsTheCurrentContextForItsDuration() {
        Context.Key<String> k = Context.Key.of("k", String.class);
        Context ctx = Context.background().withValue(k, "bound");
        AtomicReference<Context> seen = new AtomicReference<>();
        ctx.run(() -> seen.set(Context.current()));
        assertSame(ctx, seen.get());
        assertSame(Context.background(), Context.current(), "the binding ends with run");
    }

    @Test
    void callBindsTheCurrentContextAndReturnsTheResult() throws Exception {
        Context ctx = Context.background().withValue(Context.Key.of("k", String.class), "v");
        Context seen = ctx.call(Context::current);
        assertSame(ctx, seen);
    }

    @Test
    void innerBindingWinsAndOuterIsRestored() {
        Context outer = Context.background().withValue(Context.Key.of("o", String.class), "o");
        Context inner = outer.withValue(Context.Key.of("i", String.class), "i");
        outer.run(() -> {
            inner.run(() -> assertSame(inner, Context.current()));
            assertSame(outer, Context.current());
        });
    }

    @Test
    void callPropagatesWhatTheOperationThrows() {
        Exception checked = new Exception("checked");
        Exception thrown = assertThrows(Exception.class, () -> Context.background().call(() -> {
            throw checked;
        }));
        assertSame(checked, thrown);
    }

    @Test
    void aTaskRunsWithItsOwnContextAsCurrent() throws Exception {
        Context.Key<String> k = Context.Key.of("request", String.class);
        Context ctx = Context.background().withValue(k, "r-1");
        try (TaskScope scope = TaskScope.open(ctx)) {
            CountDownLatch entered = new CountDownLatch(1);
            AtomicReference<Context> seen = new AtomicReference<>();
            Task<String> t = scope.go(() -> {
                seen.set(Context.current());
                entered.countDown();
                return Context.current().value(k).orElseThrow();
            });
            await(entered);
            assertEquals("r-1", t.join(), "a task sees the values of the context it derives from");
            assertSame(t.context(), seen.get());
        }
    }

    // ---- bad input ----------------------------------------------------------------------------------------------

    @Test
    void nullOrNegativeTimeoutIsRejectedByName() {
        Context bg = Context.background();
        assertEquals("timeout", assertThrows(NullPointerException.class, () -> bg.withTimeout(null)).getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bg.withTimeout(Duration.ofMillis(-1)));
        assertTrue(e.getMessage().contains("timeout"), e.getMessage());
    }

    @Test
    void nullDeadlineIsRejectedByName() {
        assertEquals("deadline", assertThrows(NullPointerException.class,
                () -> Context.background().withDeadline(null)).getMessage());
    }

    @Test
    void nullKeyOrValueIsRejectedByName() {
        Context bg = Context.background();
        Context.Key<String> k = Context.Key.of("k", String.class);
        assertEquals("key", assertThrows(NullPointerException.class, () -> bg.withValue(null, "v")).getMessage());
        assertEquals("value", assertThrows(NullPointerException.class, () -> bg.withValue(k, null)).getMessage());
        assertEquals("key", assertThrows(NullPointerException.class, () -> bg.value(null)).getMessage());
        assertEquals("name", assertThrows(NullPointerException.class,
                () -> Context.Key.of(null, String.class)).getMessage());
        assertEquals("type", assertThrows(NullPointerException.class, () -> Context.Key.of("k", null)).getMessage());
    }

    @Test
    void nullActionIsRejectedByName() {
        Context bg = Context.background();
        assertEquals("action", assertThrows(NullPointerException.class, () -> bg.run(null)).getMessage());
        assertEquals("op", assertThrows(NullPointerException.class, () -> bg.call(null)).getMessage());
    }
}
