package dev.tether.leakprof.ondemand;

import dev.tether.TaskRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Objects;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * Tether's task dumps as a JMX MBean, {@value #OBJECT_NAME} (see {@link TaskDumpsMBean} for the attributes and
 * operations): the way to take a dump from a process that serves no debug endpoint.
 *
 * <pre>{@code
 * try (TaskDumps.Registration r = TaskDumps.registerMBean()) {   // in the platform MBean server
 *     ...   // jconsole: MBeans > dev.tether > Tasks > Operations > writeFullDump("/tmp/tasks.txt")
 * }
 * }</pre>
 *
 * One MBean per server: registering twice is refused until the first {@link Registration} is closed.
 */
public final class TaskDumps implements TaskDumpsMBean {
    /** The MBean's object name. */
    public static final String OBJECT_NAME = "dev.tether:type=Tasks";

    private TaskDumps() {
    }

    /**
     * Registers the MBean in the platform MBean server ({@link ManagementFactory#getPlatformMBeanServer()}).
     *
     * @throws IllegalStateException if an MBean is already registered as {@value #OBJECT_NAME}
     */
    public static Registration registerMBean() {
        return registerMBean(ManagementFactory.getPlatformMBeanServer());
    }

    /**
     * Registers the MBean in {@code server}.
     *
     * @throws IllegalStateException if an MBean is already registered there as {@value #OBJECT_NAME}
     */
    public static Registration registerMBean(MBeanServer server) {
        Objects.requireNonNull(server, "server");
        ObjectName name = objectName();
        try {
            server.registerMBean(new Described(), name);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalStateException(OBJECT_NAME + " is already registered: close its registration first", e);
        } catch (JMException e) {
            throw new IllegalStateException("could not register " + OBJECT_NAME + ": " + e, e);
        }
        return new Registration(server, name);
    }

    /** {@value #OBJECT_NAME} as an {@link ObjectName}. */
    public static ObjectName objectName() {
        try {
            return new ObjectName(OBJECT_NAME);
        } catch (MalformedObjectNameException e) {
            throw new AssertionError(e); // a constant
        }
    }

    @Override
    public int getLiveTasks() {
        return TaskRegistry.count();
    }

    @Override
    public long getProvenLeaks() {
        return TaskRegistry.reclaimedCount();
    }

    @Override
    public String writeFullDump(String path) throws IOException {
        return write(DumpFiles.Kind.FULL, path);
    }

    @Override
    public String writeGroupedDump(String path) throws IOException {
        return write(DumpFiles.Kind.GROUPED, path);
    }

    @Override
    public String writeProfile(String path) throws IOException {
        return write(DumpFiles.Kind.PPROF, path);
    }

    private static String write(DumpFiles.Kind kind, String path) throws IOException {
        Path file = DumpFiles.target(path);
        long size = DumpFiles.write(kind, file);
        return "wrote " + size + " bytes to " + file;
    }

    /**
     * The MBean as registered: a standard MBean whose operations and parameter are described, so that JConsole and
     * JMC show {@code path} and what each operation writes rather than {@code p1}.
     */
    private static final class Described extends StandardMBean {
        Described() {
            super(new TaskDumps(), TaskDumpsMBean.class, false);
        }

        @Override
        protected String getDescription(MBeanInfo info) {
            return "Tether's task dumps, written to files on request";
        }

        @Override
        protected String getDescription(MBeanAttributeInfo info) {
            return switch (info.getName()) {
                case "LiveTasks" -> "Live Tether tasks";
                case "ProvenLeaks" -> "Tasks the garbage collector proved leaked in this process";
                default -> super.getDescription(info);
            };
        }

        @Override
        protected String getDescription(MBeanOperationInfo info) {
            return switch (info.getName()) {
                case "writeFullDump" -> "Writes every task with its stack (Go's debug=2) to a new file";
                case "writeGroupedDump" -> "Writes the tasks grouped by stack (Go's debug=1) to a new file";
                case "writeProfile" -> "Writes a gzipped pprof goroutine profile (Go's debug=0) to a new file";
                default -> super.getDescription(info);
            };
        }

        @Override
        protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
            return "path";
        }

        @Override
        protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
            return "The absolute path of a file that does not exist yet, in a directory that does";
        }
    }

    /** The MBean's registration: {@link #close()} unregisters it. */
    public static final class Registration implements AutoCloseable {
        private final MBeanServer server;
        private final ObjectName name;
        private boolean closed; // guarded by this: a second close must not unregister a later registration

        private Registration(MBeanServer server, ObjectName name) {
            this.server = server;
            this.name = name;
        }

        /** The name the MBean is registered under. */
        public ObjectName objectName() {
            return name;
        }

        /** Unregisters the MBean. Idempotent. */
        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            try {
                server.unregisterMBean(name);
            } catch (InstanceNotFoundException e) {
                // Already unregistered (closed before, or by someone else).
            } catch (JMException e) {
                throw new IllegalStateException("could not unregister " + name + ": " + e, e);
            }
        }
    }
}
