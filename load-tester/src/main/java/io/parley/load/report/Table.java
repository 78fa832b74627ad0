package io.parley.load.report;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A plain-text two-column table with section headings, for the human-readable end of a run. */
public final class Table {
    private final List<String[]> rows = new ArrayList<>();

    public Table section(String title) {
        rows.add(new String[] {title, null});
        return this;
    }

    public Table row(String name, Object value) {
        rows.add(new String[] {name, format(value)});
        return this;
    }

    public static String format(Object value) {
        if (value instanceof Double d) {
            return String.format(Locale.ROOT, Math.abs(d) >= 100 ? "%,.0f" : "%.2f", d);
        }
        if (value instanceof Long || value instanceof Integer) {
            return String.format(Locale.ROOT, "%,d", ((Number) value).longValue());
        }
        return String.valueOf(value);
    }

    public void print(PrintStream out) {
        int width = rows.stream()
                .filter(r -> r[1] != null)
                .mapToInt(r -> r[0].length())
                .max()
                .orElse(10);
        for (String[] r : rows) {
            if (r[1] == null) {
                out.println();
                out.println(r[0]);
                out.println("-".repeat(Math.max(r[0].length(), width + 14)));
            } else {
                out.printf("  %-" + width + "s  %s%n", r[0], r[1]);
            }
        }
    }
}
