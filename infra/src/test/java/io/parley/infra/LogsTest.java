package io.parley.infra;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LogsTest {
    @Test
    void acceptsTextAndJsonAndRefusesAnythingElseByName() {
        assertThatCode(() -> Logs.checkFormat(new Env(Map.of()))).doesNotThrowAnyException();
        assertThatCode(() -> Logs.checkFormat(new Env(Map.of("PARLEY_LOG_FORMAT", "json"))))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> Logs.checkFormat(new Env(Map.of("PARLEY_LOG_FORMAT", "xml"))))
                .hasMessage("PARLEY_LOG_FORMAT: 'xml' (expected: text or json)");
    }
}
