package io.parley.load.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class HistogramCodecTest {
    @Test
    void mergingPartsGivesTheSamePercentilesAsRecordingEverythingInOne() {
        Random random = new Random(42);
        Histogram all = LatencyRecorder.newHistogram();
        Histogram a = LatencyRecorder.newHistogram();
        Histogram b = LatencyRecorder.newHistogram();
        for (int i = 0; i < 10_000; i++) {
            long v = 100 + (long) (random.nextDouble() * random.nextDouble() * 50_000);
            all.recordValue(v);
            (i % 3 == 0 ? a : b).recordValue(v);
        }

        Histogram merged = HistogramCodec.merge(List.of(
                HistogramCodec.decode(HistogramCodec.encode(a)), HistogramCodec.decode(HistogramCodec.encode(b))));

        assertThat(merged.getTotalCount()).isEqualTo(10_000);
        for (double p : new double[] {50, 90, 99, 99.9, 100}) {
            assertThat(merged.getValueAtPercentile(p)).as("p%s", p).isEqualTo(all.getValueAtPercentile(p));
        }
        assertThat(merged.getMaxValue()).isEqualTo(all.getMaxValue());
    }

    @Test
    void mergingNothingGivesAnEmptyHistogram() {
        assertThat(HistogramCodec.merge(List.of()).getTotalCount()).isZero();
    }

    @Test
    void rejectsTextThatIsNotAHistogram() {
        assertThatThrownBy(() -> HistogramCodec.decode("aGVsbG8=")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recorderFoldsIntervalsIntoTheCumulativeHistogram() {
        LatencyRecorder r = new LatencyRecorder();
        r.recordNanos(1_000_000);
        assertThat(r.roll().getTotalCount()).isEqualTo(1);
        r.recordNanos(2_000_000);
        r.recordNanos(3_000_000);
        assertThat(r.roll().getTotalCount()).isEqualTo(2);
        Histogram total = r.cumulative();
        assertThat(total.getTotalCount()).isEqualTo(3);
        assertThat(LatencySummary.of(total).maxMs()).isEqualTo(3.0);
    }

    @Test
    void clampsNegativeAndHugeValues() {
        LatencyRecorder r = new LatencyRecorder();
        r.recordNanos(-5);
        r.recordNanos(Long.MAX_VALUE);
        r.roll();
        assertThat(r.cumulative().getTotalCount()).isEqualTo(2);
    }
}
