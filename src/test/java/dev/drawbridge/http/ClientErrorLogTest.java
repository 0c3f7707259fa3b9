package dev.drawbridge.http;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ClientErrorLogTest {
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ClientErrorLog.class);

    @BeforeEach
    void capture() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void release() {
        logger.detachAppender(logged);
    }

    @Test
    void aFloodOfClientErrorsWritesItsBudgetOfLinesThenOneSummary() {
        ClientErrorLog errors = new ClientErrorLog(3, 300);
        for (int i = 0; i < 1_000; i++) {
            errors.note("error " + i, null);
        }
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("error 0 from -", "error 1 from -", "error 2 from -");

        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            errors.flush();
            assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                    .contains("997 more client errors in the last 300 ms were not logged");
        });
        assertThat(logged.list).hasSize(4);
    }

    @Test
    void controlCharactersCannotForgeALineOfTheirOwn() {
        assertThat(ClientErrorLog.safe("/a\r\n00:00 ERROR forged", 80)).isEqualTo("/a??00:00 ERROR forged");
        assertThat(ClientErrorLog.safe("x".repeat(100), 80)).hasSize(81).endsWith("…");
    }
}
