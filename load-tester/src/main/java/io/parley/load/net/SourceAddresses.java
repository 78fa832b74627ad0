package io.parley.load.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Local source addresses for outgoing connections: connection {@code k} binds {@code base + k / perAddress}, so that
 * the number of connections is not capped by one address's ephemeral ports. A null base means "let the kernel pick".
 */
public final class SourceAddresses {
    private final byte[] base;
    private final int perAddress;

    public SourceAddresses(String base, int perAddress) {
        if (perAddress < 1) {
            throw new IllegalArgumentException("per-source: " + perAddress + " (expected: >= 1)");
        }
        this.perAddress = perAddress;
        if (base == null || base.isBlank() || base.equals("none")) {
            this.base = null;
            return;
        }
        try {
            InetAddress address = InetAddress.getByName(base.trim());
            if (!(address instanceof Inet4Address)) {
                throw new IllegalArgumentException("source-base: " + base + " (expected: an IPv4 address)");
            }
            this.base = address.getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("source-base: " + base + " (expected: an IPv4 address)", e);
        }
    }

    public static SourceAddresses none() {
        return new SourceAddresses(null, 1);
    }

    public boolean enabled() {
        return base != null;
    }

    /** The address for connection {@code k}, or null when binding is off. */
    public InetAddress forConnection(long k) {
        if (base == null) {
            return null;
        }
        long value = toLong(base) + k / perAddress;
        if (value > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("source address past 255.255.255.255 for connection " + k);
        }
        byte[] b = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many distinct addresses {@code connections} connections use. */
    public long addressesFor(long connections) {
        return base == null ? 1 : (connections + perAddress - 1) / perAddress;
    }

    /** The base moved on by {@code addresses} addresses, as text (children of a multi-process run). */
    public String baseAfter(long addresses) {
        if (base == null) {
            return "none";
        }
        return forConnection(addresses * perAddress).getHostAddress();
    }

    public int perAddress() {
        return perAddress;
    }

    private static long toLong(byte[] b) {
        return ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16) | ((b[2] & 0xFFL) << 8) | (b[3] & 0xFFL);
    }
}
