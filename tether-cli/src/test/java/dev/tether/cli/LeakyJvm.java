package dev.tether.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A JVM for {@link PidTargetTest} to dump: {@value #SENDERS} threads blocked for good in
 * {@code SynchronousQueue.put} at {@link #publish}, and two threads in a {@code ReentrantLock} lock-order deadlock.
 * Prints {@code ready} once all of them are blocked, then waits for its stdin to close.
 */
public final class LeakyJvm {
    static final int SENDERS = 12;

    public static void main(String[] args) throws Exception {
        SynchronousQueue<Integer> nobodyTakes = new SynchronousQueue<>();
        List<Thread> blocked = new ArrayList<>();
        for (int i = 0; i < SENDERS; i++) {
            int v = i;
            blocked.add(Thread.ofPlatform().name("handoff-" + i).daemon().start(() -> publish(nobodyTakes, v)));
        }
        ReentrantLock orders = new ReentrantLock(), inventory = new ReentrantLock();
        CyclicBarrier bothHoldOne = new CyclicBarrier(2);
        blocked.add(Thread.ofPlatform().name("order-writer").daemon().start(() -> lockBoth(orders, inventory, bothHoldOne)));
        blocked.add(Thread.ofPlatform().name("inventory-writer").daemon().start(() -> lockBoth(inventory, orders, bothHoldOne)));
        while (!blocked.stream().allMatch(t -> t.getState() == Thread.State.WAITING)) {
            LockSupport.parkNanos(1_000_000);
        }
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // until the test closes stdin or kills us
        }
    }

    static void publish(SynchronousQueue<Integer> q, int v) {
        try {
            q.put(v);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void lockBoth(ReentrantLock first, ReentrantLock second, CyclicBarrier barrier) {
        first.lock();
        try {
            barrier.await();
            second.lock();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
