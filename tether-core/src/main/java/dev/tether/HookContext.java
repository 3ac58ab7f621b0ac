package dev.tether;

/**
 * A context that runs an action once when it is done, on the thread that cancels it (Go's
 * {@code context.AfterFunc}). Tickers and timers use one as their lifetime: cancelling it stops them, and so does
 * the end of the context it derives from, whichever comes first. The action must be quick and must not block.
 */
final class HookContext extends CancelContext {
    private Runnable hook;

    HookContext(Context parent, Runnable hook) {
        super(parent, parent.deadlineNanos(), parent.deadlineOrNull());
        synchronized (this) {
            this.hook = hook;
        }
        // A parent already done cancelled this context inside super(), before the hook was set.
        if (isDone()) runHook();
    }

    @Override
    void onCancel() {
        runHook();
    }

    private void runHook() {
        Runnable h;
        synchronized (this) {
            h = hook;
            hook = null;
        }
        if (h != null) h.run();
    }
}
