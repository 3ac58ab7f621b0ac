package dev.tether.profile;

import java.util.Objects;

/**
 * What owns an entry, and what owns that, up the chain: for a Tether task its scope, group, pool or parent task (as
 * in the registry's {@code TaskInfo.Owner}); for a JVM thread in a JDK JSON dump the thread container it runs in (an
 * executor, a {@code StructuredTaskScope}) and that container's parent.
 *
 * @param kind   what the owner is: {@code "task"}, {@code "scope"}, {@code "group"}, {@code "pool"},
 *               {@code "thread container"}, {@code "thread"}
 * @param id     the owner's id, or null if it has none (a JDK thread container)
 * @param name   the owner's name, or null (a JDK thread container's name, e.g.
 *               {@code java.util.concurrent.ThreadPerTaskExecutor@65fa3f30})
 * @param site   where the owner was created, or null if unknown
 * @param parent the owner's own owner, or null at the top of the chain
 */
public record Owner(String kind, Long id, String name, Frame site, Owner parent) {

    /** @throws NullPointerException if {@code kind} is null */
    public Owner {
        Objects.requireNonNull(kind, "kind");
    }

    /** Go-style short form: {@code scope 3}, or the kind and name when there is no id. */
    @Override
    public String toString() {
        if (id != null) return kind + " " + id;
        return name == null ? kind : kind + " " + name;
    }
}
