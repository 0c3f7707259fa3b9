package dev.drawbridge.app;

import dev.drawbridge.bus.HistoryLimits;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigTest {

    @Test
    void theDefaultsAreThoseOfTheProtocol() {
        Config config = Config.defaults();

        assertThat(config.port()).isEqualTo(8081);
        assertThat(config.tokenSecret()).isEmpty();
        assertThat(config.redisUrl()).isEmpty();
        assertThat(config.tokenLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(config.refreshGrace()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.maxRoomSize()).isEqualTo(16);
        assertThat(config.maxBodyBytes()).isEqualTo(64 * 1024);
        assertThat(config.pingInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.iceServers()).isEmpty();
        assertThat(config.transport()).isEqualTo("auto");
        assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
        assertThat(config.boardMaxBytes()).isEqualTo(16 * 1024 * 1024);
        assertThat(config.boardMaxRecord()).isEqualTo(64 * 1024);
        assertThat(config.boardRetention()).isEqualTo(Duration.ofDays(30));
        assertThat(config.resumeGrace()).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.history()).isEqualTo(new HistoryLimits(256, 262_144, Duration.ofSeconds(60)));
    }

    @Test
    void withoutASettingANodeRunsAnEventLoopPerTwoCoresAndAtLeastOne() {
        assertThat(Config.defaults().eventLoops()).isZero();
        assertThat(Drawbridge.defaultEventLoops(1)).isEqualTo(1);
        assertThat(Drawbridge.defaultEventLoops(2)).isEqualTo(1);
        assertThat(Drawbridge.defaultEventLoops(3)).isEqualTo(1);
        assertThat(Drawbridge.defaultEventLoops(8)).isEqualTo(4);
    }

    @Test
    void boardStorageIsSetFromFlagsOrTheEnvironmentAndRetentionZeroKeepsBoardsForever() {
        Config config = Config.parse(new String[] {"--board-max-record", "1000", "--board-retention", "0"},
                Map.of("DATA_DIR", "/var/lib/drawbridge", "BOARD_MAX_BYTES", "100000", "BOARD_RETENTION", "7d"));

        assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/drawbridge"));
        assertThat(config.boardMaxBytes()).isEqualTo(100_000);
        assertThat(config.boardMaxRecord()).isEqualTo(1000);
        assertThat(config.boardRetention()).isZero();
        assertThat(Config.parse(new String[0], Map.of("BOARD_RETENTION", "12h")).boardRetention())
                .isEqualTo(Duration.ofHours(12));
    }

    @Test
    void aRecordCannotBeAllowedMoreThanItsBoard() {
        assertThatThrownBy(() -> Config.parse(new String[] {"--board-max-bytes", "1000", "--board-max-record", "1001"}, Map.of()))
                .hasMessageContaining("--board-max-record must be a whole number from 1 to 1000");
        assertThatThrownBy(() -> Config.parse(new String[] {"--board-max-bytes", "0"}, Map.of()))
                .hasMessageContaining("--board-max-bytes");
        assertThatThrownBy(() -> Config.parse(new String[] {"--board-retention", "-1d"}, Map.of()))
                .hasMessageContaining("--board-retention");
    }

    @Test
    void theResumeGraceAndTheHistoryBoundsAreSettings() {
        Config config = Config.parse(new String[] {"--resume-grace", "5s", "--history-events", "64"},
                Map.of("RESUME_GRACE", "30s", "HISTORY_BYTES", "65536", "HISTORY_AGE", "10s"));

        assertThat(config.resumeGrace()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.history()).isEqualTo(new HistoryLimits(64, 65_536, Duration.ofSeconds(10)));
    }

    @Test
    void aHistoryAgeShorterThanTheGraceIsRefused() {
        assertThatThrownBy(() -> Config.parse(new String[] {"--resume-grace", "30s", "--history-age", "10s"}, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--history-age (10s) must be at least --resume-grace (30s)");
    }

    @Test
    void settingsComeFromTheEnvironmentAndFlagsWin() {
        Config config = Config.parse(new String[] {"--port", "9000", "--ping-interval=500ms"},
                Map.of("PORT", "7000", "REDIS_URL", "redis://127.0.0.1:6400", "MAX_ROOM_SIZE", "4"));

        assertThat(config.port()).isEqualTo(9000);
        assertThat(config.pingInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.redisUrl()).isEqualTo(Optional.of("redis://127.0.0.1:6400"));
        assertThat(config.maxRoomSize()).isEqualTo(4);
    }

    @Test
    void durationsTakeUnitsAndPlainNumbersAreSeconds() {
        assertThat(Config.parse(new String[] {"--token-ttl", "2h"}, Map.of()).tokenLifetime()).isEqualTo(Duration.ofHours(2));
        assertThat(Config.parse(new String[] {"--token-ttl", "90"}, Map.of()).tokenLifetime()).isEqualTo(Duration.ofSeconds(90));
        assertThat(Config.parse(new String[] {"--token-ttl", "5m"}, Map.of()).tokenLifetime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(Config.parse(new String[] {"--token-ttl", "2d"}, Map.of()).tokenLifetime()).isEqualTo(Duration.ofDays(2));
    }

    @Test
    void aMalformedValueIsRefusedWithAMessageThatNamesTheSetting() {
        assertThatThrownBy(() -> Config.parse(new String[] {"--port", "eighty"}, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--port");
        assertThatThrownBy(() -> Config.parse(new String[0], Map.of("MAX_ROOM_SIZE", "0")))
                .hasMessageContaining("--max-room-size");
        assertThatThrownBy(() -> Config.parse(new String[] {"--ping-interval", "-1s"}, Map.of()))
                .hasMessageContaining("--ping-interval");
        assertThatThrownBy(() -> Config.parse(new String[] {"--ice-servers", "{\"urls\":1}"}, Map.of()))
                .hasMessageContaining("--ice-servers");
        assertThatThrownBy(() -> Config.parse(new String[0], Map.of("TRANSPORT", "kqueue")))
                .hasMessageContaining("--transport must be one of auto, epoll, nio, not 'kqueue'");
    }

    @Test
    void theTransportIsLinuxNativeEpollWhereItLoadsAndTheJdkSelectorOnRequest() {
        // The test command runs on Linux x86-64, where the native library that the jar carries loads.
        assertThat(Drawbridge.transport("auto").name()).isEqualTo("epoll");
        assertThat(Drawbridge.transport("epoll").name()).isEqualTo("epoll");
        assertThat(Drawbridge.transport("nio").name()).isEqualTo("nio");
    }

    @Test
    void aDrainSpreadsOverTenSecondsAtMost128StreamsAStepAndEndsWithinThirtySeconds() {
        Config config = Config.defaults();
        assertThat(config.drainSpread()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.drainBatch()).isEqualTo(128);
        assertThat(config.drainTimeout()).isEqualTo(Duration.ofSeconds(30));

        Config set = Config.parse(new String[] {"--drain-spread", "2s", "--drain-batch", "16"}, Map.of("DRAIN_TIMEOUT", "5s"));
        assertThat(set.drainSpread()).isEqualTo(Duration.ofSeconds(2));
        assertThat(set.drainBatch()).isEqualTo(16);
        assertThat(set.drainTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aDrainSpreadThatDoesNotFitInTheDrainTimeoutIsRefused() {
        assertThatThrownBy(() -> Config.parse(new String[] {"--drain-spread", "30s"}, Map.of()))
                .hasMessageContaining("--drain-spread (30s) must be shorter than --drain-timeout (30s)");
        assertThatThrownBy(() -> Config.parse(new String[] {"--drain-batch", "0"}, Map.of()))
                .hasMessageContaining("--drain-batch");
    }

    @Test
    void anUnknownFlagIsRefused() {
        assertThatThrownBy(() -> Config.parse(new String[] {"--prot", "80"}, Map.of()))
                .hasMessageContaining("unknown setting --prot");
        assertThatThrownBy(() -> Config.parse(new String[] {"--port"}, Map.of()))
                .hasMessageContaining("needs a value");
    }

    @Test
    void helpListsEverySettingWithItsVariableAndDefault() {
        String help = Config.help();

        Config.SETTINGS.forEach(setting -> assertThat(help)
                .contains("--" + setting.flag()).contains(setting.env()));
        assertThat(help).contains("(default: 8081)").contains("(default: 16)");
    }

    @Test
    void aDataFolderThatCannotBeMadeStopsTheNodeFromStartingWithAClearMessage() {
        Config config = Config.parse(new String[] {"--host", "127.0.0.1", "--port", "0",
                "--data-dir", "/proc/drawbridge-cannot-be-here"}, Map.of());

        assertThatThrownBy(() -> Drawbridge.start(config).await())
                .hasMessageContaining("cannot open the board database in /proc/drawbridge-cannot-be-here");
    }

    @Test
    void aShortTokenSecretStopsTheNodeFromStartingWithAClearMessage() {
        Config config = Config.parse(new String[] {"--host", "127.0.0.1", "--port", "0", "--token-secret", "short"}, Map.of());

        assertThatThrownBy(() -> Drawbridge.start(config).await())
                .hasMessageContaining("TOKEN_SECRET must be at least 32 bytes");
    }
}
