package io.parley.load.idle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcStatusTest {
    @Test
    void readsVmRss() throws IOException {
        assertThat(ProcStatus.parseRssKiB(List.of("Name:\tjava", "VmPeak:\t 999 kB", "VmRSS:\t  123456 kB")))
                .isEqualTo(123456);
    }

    @Test
    void readsThisProcess() throws IOException {
        assertThat(ProcStatus.system().rssKiB(ProcessHandle.current().pid())).isPositive();
    }

    @Test
    void failsWithoutTheLine() {
        assertThatThrownBy(() -> ProcStatus.parseRssKiB(List.of("Name: x"))).isInstanceOf(IOException.class);
    }
}
