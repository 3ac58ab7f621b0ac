package dev.tether.profile;

import java.util.Objects;

/**
 * An object a JVM thread waits on or holds — a monitor, a park blocker, an ownable synchronizer — as the dump
 * identifies it. Two refs from one snapshot are the same object exactly when they are equal; refs from different
 * formats are not comparable (the JDK's JSON and plain dumps give the identity hash, jstack the address).
 *
 * @param className  the object's class, e.g. {@code java.util.concurrent.locks.ReentrantLock$NonfairSync}
 * @param identity   the identity hash ({@code 4d4bcdd1}) in JDK JSON and plain dumps, the address
 *                   ({@code 0x000000069ec19ed8}) in jstack
 */
public record ObjectRef(String className, String identity) {

    /** @throws NullPointerException if an argument is null */
    public ObjectRef {
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(identity, "identity");
    }

    /** {@code className@identity}, as the JDK's thread dumps print it. */
    @Override
    public String toString() {
        return className + "@" + identity;
    }
}
