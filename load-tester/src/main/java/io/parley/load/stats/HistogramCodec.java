package io.parley.load.stats;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/** Turns histograms into compact base64 text for JSON results and back, and merges several into one. */
public final class HistogramCodec {
    private HistogramCodec() {}

    public static String encode(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        byte[] bytes = new byte[length];
        buffer.flip();
        buffer.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(
                    ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("histogram: not a compressed HdrHistogram", e);
        }
    }

    /** One histogram holding every value of the given ones. */
    public static Histogram merge(Iterable<Histogram> histograms) {
        Histogram merged = LatencyRecorder.newHistogram();
        for (Histogram h : histograms) {
            merged.add(h);
        }
        return merged;
    }
}
