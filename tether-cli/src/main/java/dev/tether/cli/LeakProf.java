package dev.tether.cli;

/** Placeholder: the command line. */
public final class LeakProf {
    static final int EXIT_CLEAN = 0;
    static final int EXIT_SUSPECTS = 1;
    static final int EXIT_ERROR = 2;

    private LeakProf() {
    }

    public static void main(String[] args) {
    }
}
