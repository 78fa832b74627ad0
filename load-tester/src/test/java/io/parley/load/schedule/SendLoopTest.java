package io.parley.load.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendLoopTest {
    /** Time moves only when the loop parks (to the deadline) or when a test's sink says so. */
    private static final class ManualClock implements NanoClock {
        long now;
        int parks;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void parkUntil(long deadlineNanos) {
            parks++;
            now = Math.max(now, deadlineNanos);
        }
    }

    @Test
    void sendsEveryMessageAtItsIntendedTimeWhenNothingIsSlow() {
        ManualClock clock = new ManualClock();
        List<long[]> sends = new ArrayList<>();
        List<Long> lags = new ArrayList<>();
        SendLoop loop = new SendLoop(
                new OpenLoopSchedule(0, 10, 5),
                clock,
                (i, intended, actual) -> sends.add(new long[] {i, intended, actual}),
                lags::add);

        assertThat(loop.run()).isEqualTo(5);

        assertThat(sends).extracting(s -> s[0]).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(sends).allSatisfy(s -> assertThat(s[2]).isEqualTo(s[1]));
        assertThat(lags).containsOnly(0L);
    }

    @Test
    void catchesUpOnOverdueMessagesInsteadOfShiftingTheSchedule() {
        ManualClock clock = new ManualClock();
        List<Long> actualTimes = new ArrayList<>();
        List<Long> lags = new ArrayList<>();
        // The sink for message 1 takes a whole second: a closed loop would then send 2, 3, ... a second late each.
        SendLoop loop = new SendLoop(
                new OpenLoopSchedule(0, 10, 20),
                clock,
                (i, intended, actual) -> {
                    actualTimes.add(actual);
                    if (i == 1) {
                        clock.now += 1_000_000_000L;
                    }
                },
                lags::add);

        loop.run();

        // Messages 2..10 were all overdue at 1.1 s and went out at once, then the loop was back on schedule.
        assertThat(actualTimes.subList(2, 11)).containsOnly(1_100_000_000L);
        assertThat(actualTimes.get(11)).isEqualTo(1_100_000_000L);
        assertThat(actualTimes.get(12)).isEqualTo(1_200_000_000L);
        assertThat(lags.get(2)).isEqualTo(900_000_000L);
        assertThat(lags.get(12)).isZero();
        assertThat(actualTimes).hasSize(20);
    }

    @Test
    void neverWaitsForAnythingButTheClock() {
        ManualClock clock = new ManualClock();
        long[] sent = {0};
        SendLoop loop = new SendLoop(new OpenLoopSchedule(0, 1000, 1000), clock, (i, in, ac) -> sent[0]++, l -> {});

        loop.run();

        // One park per distinct due time, and nothing else blocks: the sink's answers are never awaited.
        assertThat(sent[0]).isEqualTo(1000);
        assertThat(clock.parks).isEqualTo(999);
        assertThat(clock.now).isEqualTo(999_000_000L);
    }

    @Test
    void stopsWhenAsked() {
        ManualClock clock = new ManualClock();
        SendLoop[] loop = new SendLoop[1];
        loop[0] = new SendLoop(
                new OpenLoopSchedule(0, 100, 1000),
                clock,
                (i, in, ac) -> {
                    if (i == 9) {
                        loop[0].stop();
                    }
                },
                l -> {});

        assertThat(loop[0].run()).isEqualTo(10);
        assertThat(loop[0].dispatched()).isEqualTo(10);
    }

    @Test
    void endsEachBatchOfMessagesThatFellDueTogether() {
        ManualClock clock = new ManualClock();
        List<String> events = new ArrayList<>();
        SendLoop loop = new SendLoop(
                new OpenLoopSchedule(0, 10, 6),
                clock,
                new SendLoop.Sink() {
                    @Override
                    public void send(long index, long intendedNanos, long actualNanos) {
                        events.add("send " + index);
                        if (index == 1) {
                            clock.now += 250_000_000L; // 2 and 3 fall due while 1 is handed over
                        }
                    }

                    @Override
                    public void endOfBatch() {
                        events.add("end");
                    }
                },
                l -> {});

        loop.run();

        assertThat(events)
                .containsExactly(
                        "send 0", "end", "send 1", "end", "send 2", "send 3", "end", "send 4", "end", "send 5", "end");
    }
}
