package dev.tether.cli;

import java.io.IOException;
import java.io.Writer;

final class HtmlReport {
    static void write(Report r, Writer out) throws IOException {
        out.write("<html></html>");
    }
}
