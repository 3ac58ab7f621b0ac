package dev.tether;

/**
 * A registration of a {@link Waiter} in one wait queue: a channel's send or receive queue, a context's list of
 * done-listeners, a task's joiners, a pool's queue. Queue links are guarded by the owning queue's lock. See
 * {@link Waiter} for the claim protocol.
 */
class WaitNode {
    /** Marks a node claimed by {@link Channel#close()}: the value was not delivered, or nothing was received. */
    static final Object CLOSED = new Object() {
        @Override
        public String toString() {
            return "CLOSED";
        }
    };

    final Waiter waiter;
    /** The outcome this node claims its waiter with: a clause index or {@link Waiter#CONTEXT_DONE}. */
    final int index;
    /** Send node: the value offered. Receive node: the value handed over, or CLOSED. */
    Object item;
    /** Links in a wait queue; guarded by the queue owner's lock. See {@link #append}. */
    WaitNode prev, next;
    /** True while linked in a wait queue; guarded by the queue owner's lock. */
    boolean queued;

    /**
     * The node of a {@link Waiter} that is its own node, clause 0. The waiter's state (which a claimer CASes and
     * the waiting thread spins on) and the item (which the claimer writes and the thread then reads) are then in
     * one object, usually in one cache line, where two objects put them in two: for an unbuffered channel's
     * handoff, one line fewer crossing between cores. Measured: 0.85–0.87× the time per ping-pong message.
     */
    WaitNode(Object item) {
        this.waiter = (Waiter) this;
        this.index = 0;
        this.item = item;
    }

    WaitNode(Waiter waiter, int index, Object item) {
        this.waiter = waiter;
        this.index = index;
        this.item = item;
    }

    boolean isLive() {
        return waiter.state == Waiter.WAITING;
    }

    /**
     * Completes every node of a chain drained from a closed channel or queue with {@link #CLOSED}: their sends
     * were not delivered, their receives got nothing. The drained nodes must be reachable only from the caller,
     * so writing their items races with nothing.
     */
    static void wakeClosed(WaitNode chain) {
        for (WaitNode n = chain; n != null; n = n.next) n.item = CLOSED;
        wakeAll(chain);
    }

    /**
     * Claims and wakes, each with its own index, every node of a chain returned by {@link #detachAll} (or of a task's
     * stack of joiners). Reads each node's link before claiming it: once claimed, a waiter's thread may reuse it (see
     * {@link Waiter#recycle}).
     */
    static void wakeAll(WaitNode chain) {
        for (WaitNode n = chain; n != null; ) {
            WaitNode next = n.next;
            n.waiter.claimAndWake(n.index);
            n = next;
        }
    }

    // ---- wait queues ----------------------------------------------------------------------------------------
    //
    // A wait queue is a FIFO of nodes kept as a circular doubly-linked list and held by its owner as one field,
    // its head (null when empty; head.prev is the tail). Holding it in a field rather than in a queue object
    // saves an object per queue and, for a channel, keeps the heads in the cache line of the lock that guards
    // them. Not thread-safe: the owner's lock guards every operation. Each returns the queue's new head.

    /** Appends {@code n} to the queue headed by {@code head}; returns the new head. */
    static WaitNode append(WaitNode head, WaitNode n) {
        n.queued = true;
        if (head == null) {
            n.prev = n.next = n;
            return n;
        }
        WaitNode tail = head.prev;
        n.prev = tail;
        n.next = head;
        tail.next = n;
        head.prev = n;
        return head;
    }

    /** Removes {@code n} from the queue headed by {@code head} if it is still linked there; returns the new head. */
    static WaitNode unlink(WaitNode head, WaitNode n) {
        if (!n.queued) return head;
        n.queued = false;
        WaitNode next = n.next;
        if (next == n) {
            head = null;
        } else {
            WaitNode prev = n.prev;
            prev.next = next;
            next.prev = prev;
            if (head == n) head = next;
        }
        n.prev = n.next = null;
        return head;
    }

    /**
     * Unlinks every node of the queue headed by {@code head} and returns them, in order, as a chain linked
     * through {@code next} and ending in null, for the caller to complete outside the lock.
     */
    static WaitNode detachAll(WaitNode head) {
        if (head == null) return null;
        head.prev.next = null;
        for (WaitNode n = head; n != null; n = n.next) {
            n.queued = false;
            n.prev = null;
        }
        return head;
    }
}
