package io.parley.infra;

import java.util.Map;
import java.util.Objects;

/** Read-only view of the process environment with typed, range-checked getters and fallback names. */
public final class Env {
    private final Map<String, String> vars;

    public Env(Map<String, String> vars) {
        this.vars = Map.copyOf(Objects.requireNonNull(vars, "vars"));
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    /** This environment with {@code name} set to {@code value}. */
    public Env with(String name, String value) {
        Map<String, String> copy = new java.util.HashMap<>(vars);
        copy.put(name, value);
        return new Env(copy);
    }

    /** The first of {@code names} that is set and not blank, else {@code fallback}. */
    public String first(String fallback, String... names) {
        for (String name : names) {
            String value = vars.get(name);
            if (value != null && !value.isBlank()) {
                return value.trim();
            }
        }
        return fallback;
    }

    public String string(String name, String fallback) {
        return first(fallback, name);
    }

    public int integer(String name, int fallback, int min, int max) {
        String raw = vars.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        int value;
        try {
            value = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    name + ": " + raw + " (expected: an integer in " + min + "-" + max + ")");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + "-" + max + ")");
        }
        return value;
    }

    public boolean bool(String name, boolean fallback) {
        String raw = vars.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        return switch (raw.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new IllegalArgumentException(name + ": " + raw + " (expected: true or false)");
        };
    }
}
