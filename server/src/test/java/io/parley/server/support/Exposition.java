package io.parley.server.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scraped Prometheus text exposition: checked line by line against the format, then by {@code promtool check
 * metrics} (Debian's prometheus package, which bin/test installs), and read as samples keyed by series.
 */
public final class Exposition {
    private static final Pattern SAMPLE =
            Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*})?) "
                    + "(-?[0-9.eE+-]+|NaN|[+-]Inf)( -?[0-9]+)?");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*");

    private final Map<String, Double> samples = new LinkedHashMap<>();

    private Exposition(String text) {
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                if (!COMMENT.matcher(line).matches()) {
                    throw new AssertionError("not a HELP or TYPE line: " + line);
                }
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("not a sample line: " + line);
            }
            samples.put(m.group(1), Double.parseDouble(m.group(2).replace("Inf", "Infinity")));
        }
    }

    /** Parses {@code text} and runs promtool's parser and linter over it; fails on any problem either finds. */
    public static Exposition check(String text) throws IOException, InterruptedException {
        Exposition parsed = new Exposition(text);
        Process promtool;
        try {
            promtool = new ProcessBuilder("promtool", "check", "metrics")
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new AssertionError("promtool is missing: apt-get install prometheus (bin/test does)", e);
        }
        try (var in = promtool.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!promtool.waitFor(30, TimeUnit.SECONDS) || promtool.exitValue() != 0) {
            throw new AssertionError("promtool check metrics: " + output);
        }
        return parsed;
    }

    /** The value of one series, e.g. {@code parley_sends_total} or {@code x_count{route="/healthz"}}; 0 if absent. */
    public double value(String series) {
        return samples.getOrDefault(series, 0.0);
    }

    public boolean has(String series) {
        return samples.containsKey(series);
    }

    /** The series whose name starts with {@code prefix}. */
    public List<String> series(String prefix) {
        return samples.keySet().stream().filter(s -> s.startsWith(prefix)).toList();
    }
}
