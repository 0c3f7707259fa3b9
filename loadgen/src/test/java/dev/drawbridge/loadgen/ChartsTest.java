package dev.drawbridge.loadgen;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ChartsTest {

    private static JsonObject relayRun(String label, double relays, double posts) {
        return new JsonObject().put("label", label)
                .put("relay", new JsonObject().put("acceptedPerSecond", relays).put("cpuMicrosPerRelay", 40.0)
                        .put("latencyMs", new JsonObject().put("p50", 0.5).put("p90", 1.0).put("p99", 3.0).put("p999", 9.0)))
                .put("post", new JsonObject().put("acceptedPerSecond", posts).put("cpuMicrosPerPost", 20.0));
    }

    @Test
    void eachKindOfResultGetsItsChart() {
        var charts = Charts.charts(List.of(
                relayRun("a", 1000, 1500),
                new JsonObject().put("label", "idle").put("idle", new JsonObject().put("rssKbPerStream", 12.5)),
                new JsonObject().put("label", "storm").put("joinStorm",
                        new JsonObject().put("secondsToAllJoinAnswers", 0.4).put("secondsToAllAddPeers", 0.5))));

        assertThat(charts).containsOnlyKeys("latency", "throughput", "cpu", "memory", "join-storm");
        assertThat(charts.get("throughput").values()[1][0]).isEqualTo(1500);
        assertThat(charts.get("memory").values()[0][0]).isEqualTo(12.5);
        assertThat(charts.get("join-storm").values()[1][0]).isEqualTo(0.5);
    }

    @Test
    void aChartIsDrawnWithItsBarsAndTargetLine() {
        System.setProperty("java.awt.headless", "true");
        Charts.Bars bars = Charts.charts(List.of(relayRun("a", 1000, 1500))).get("throughput");
        BufferedImage image = Charts.draw(bars);

        assertThat(image.getWidth()).isEqualTo(1000);
        long blue = 0;
        long red = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                blue += rgb == 0x2f6fb0 ? 1 : 0;
                red += rgb == 0xc0392b ? 1 : 0;
            }
        }
        assertThat(blue).as("pixels of the first series").isGreaterThan(100);
        assertThat(red).as("pixels of the target line").isGreaterThan(100);
    }

    @Test
    void latencyIsDrawnOnALogScaleSoThatSubMillisecondBarsShow() {
        System.setProperty("java.awt.headless", "true");
        Charts.Bars bars = Charts.charts(List.of(relayRun("a", 1000, 1500))).get("latency");
        assertThat(bars.logScale()).isTrue();
        BufferedImage image = Charts.draw(bars);
        long p50 = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                p50 += (image.getRGB(x, y) & 0xffffff) == 0x2f6fb0 ? 1 : 0;
            }
        }
        // 0.5 ms of a 10 ms axis on a linear scale would be a sliver; on a log scale from 0.1 it is tall.
        assertThat(p50).isGreaterThan(2_000);
    }

    @Test
    void axesEndOnRoundNumbers() {
        assertThat(Charts.niceCeiling(0.83)).isEqualTo(1.0);
        assertThat(Charts.niceCeiling(17)).isEqualTo(20);
        assertThat(Charts.niceCeiling(22_000)).isEqualTo(25_000);
        assertThat(Charts.niceCeiling(0)).isEqualTo(1);
    }
}
