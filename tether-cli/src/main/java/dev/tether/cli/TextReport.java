package dev.tether.cli;

import dev.tether.cli.Report.Instance;
import dev.tether.cli.Report.Link;
import dev.tether.cli.Report.LockCycle;
import dev.tether.cli.Report.Site;
import dev.tether.profile.Frame;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The report for a terminal: a summary line, the suspects as a table (rank, count, instances affected, oldest wait,
 * growth, wait, site, creator), the deadlocks, the targets that failed, and with {@code stacks} each suspect's most
 * common stack.
 */
final class TextReport {
    private TextReport() {
    }

    private static final int SITE_WIDTH = 64;
    private static final int CREATOR_WIDTH = 48;

    static void write(Report r, boolean all, boolean stacks, PrintWriter out) {
        long total = 0, blocked = 0;
        for (Instance i : r.instances()) {
            total += i.total();
            blocked += i.blocked();
        }
        long failed = r.instances().size() - r.scanned();
        out.printf("Scanned %d of %s%s: %s goroutines and threads, %s blocked at %s.%n", r.scanned(),
                Text.plural(r.instances().size(), "target"), failed > 0 ? " (" + failed + " failed)" : "",
                Text.count(total), Text.count(blocked), Text.plural(r.sites().size(), "site"));

        List<Site> suspects = r.suspects();
        out.println();
        if (r.scanned() == 0) {
            out.println("No target could be scanned.");
        } else if (suspects.isEmpty()) {
            out.println("No suspects: no blocking site reached a threshold (" + thresholds(r) + ").");
        } else {
            out.println("SUSPECTS (" + thresholds(r) + ")");
            table(r, suspects, out);
        }
        List<Site> others = r.sites().subList(suspects.size(), r.sites().size());
        if (all && !others.isEmpty()) {
            out.println();
            out.println("OTHER BLOCKED SITES");
            table(r, others, out);
        }

        if (!r.deadlocks().isEmpty()) {
            out.println();
            out.println("DEADLOCKS");
            for (LockCycle c : r.deadlocks()) {
                out.println("  " + c.instance() + " (" + c.source() + ")");
                for (Link l : c.links()) {
                    out.println("    " + l.thread() + " waits for " + l.lock() + " held by " + l.heldBy()
                            + (l.site() == null ? "" : ", at " + Text.frame(l.site())));
                }
            }
        }

        if (failed > 0) {
            out.println();
            out.println("FAILED TARGETS");
            for (Instance i : r.instances()) if (!i.ok()) out.println("  " + i.target() + ": " + i.error());
        }

        if (stacks && !suspects.isEmpty()) {
            for (int k = 0; k < suspects.size(); k++) {
                Site s = suspects.get(k);
                out.println();
                out.printf("#%d %s goroutines/threads [%s] at %s%n", k + 1, Text.count(s.count()), s.waitReason(),
                        Text.frame(s.frame()));
                if (!s.stacks().isEmpty()) {
                    Report.Stack top = s.stacks().getFirst();
                    out.printf("  most common stack (%s):%n", Text.count(top.count()));
                    for (Frame f : top.frames()) out.println("    " + Text.frame(f));
                }
                if (!s.creators().isEmpty()) out.println("  created by " + s.creators().getFirst().description());
                out.println("  why: " + String.join(", ", s.why()));
            }
        }
        if (!all && !others.isEmpty()) {
            out.println();
            out.println(Text.plural(others.size(), "other blocked site") + " below the thresholds (--all lists them).");
        }
        out.flush();
    }

    private static String thresholds(Report r) {
        Report.Settings s = r.settings();
        return "count >= " + s.minCount() + ", or oldest wait >= " + Text.duration(s.minWait())
                + (r.compared() ? ", or growth >= " + s.minGrowth() : "");
    }

    private static void table(Report r, List<Site> sites, PrintWriter out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(r.compared() ? new String[]{"#", "COUNT", "INSTANCES", "OLDEST", "GROWTH", "WAIT", "SITE", "CREATOR"}
                : new String[]{"#", "COUNT", "INSTANCES", "OLDEST", "WAIT", "SITE", "CREATOR"});
        long scanned = r.scanned();
        for (int k = 0; k < sites.size(); k++) {
            Site s = sites.get(k);
            List<String> row = new ArrayList<>(List.of(Integer.toString(k + 1), Text.count(s.count()),
                    s.instances().size() + "/" + scanned, Text.duration(s.oldestWait())));
            if (r.compared()) row.add(s.growth() == null ? "-" : (s.growth() > 0 ? "+" : "") + Text.count(s.growth()));
            row.add(s.waitReason());
            row.add(cut(Text.frame(s.frame()), SITE_WIDTH));
            row.add(s.creators().isEmpty() ? "-" : cut(s.creators().getFirst().description(), CREATOR_WIDTH));
            rows.add(row.toArray(String[]::new));
        }
        int[] width = new int[rows.getFirst().length];
        for (String[] row : rows) for (int c = 0; c < row.length; c++) width[c] = Math.max(width[c], row[c].length());
        for (String[] row : rows) {
            StringBuilder sb = new StringBuilder(" ");
            for (int c = 0; c < row.length; c++) {
                boolean number = c < (r.compared() ? 5 : 4);
                String cell = row[c];
                String pad = " ".repeat(width[c] - cell.length());
                sb.append(number ? pad + cell : c == row.length - 1 ? cell : cell + pad);
                if (c < row.length - 1) sb.append("  ");
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    /** {@code s} cut to {@code max} characters from the left: a site's end (function and line) says the most. */
    private static String cut(String s, int max) {
        return s.length() <= max ? s : "..." + s.substring(s.length() - max + 3);
    }
}
