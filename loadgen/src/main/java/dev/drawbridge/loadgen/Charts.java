package dev.drawbridge.loadgen;

import io.vertx.core.json.JsonObject;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Draws the PNG charts of docs/BENCHMARKS.md from the load generator's JSON summaries, with
 * java.awt in headless mode: {@code java -cp drawbridge-loadgen.jar dev.drawbridge.loadgen.Charts
 * RESULTS_DIR OUT_DIR}. Each summary's {@code label} names its bar.
 */
public final class Charts {
    private static final Color[] SERIES = {new Color(0x2f6fb0), new Color(0xe07b39), new Color(0x4a9a5b),
            new Color(0x9b59b6), new Color(0x7f8c8d)};
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 480;

    /** A bar chart: groups along x, one bar per series in each group, and an optional target line. */
    record Bars(String title, String unit, List<String> groups, List<String> series, double[][] values,
                Double target, String targetLabel, boolean logScale) {
        Bars(String title, String unit, List<String> groups, List<String> series, double[][] values,
             Double target, String targetLabel) {
            this(title, unit, groups, series, values, target, targetLabel, false);
        }
    }

    private Charts() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Charts RESULTS_DIR OUT_DIR");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        List<JsonObject> results = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(args[0]))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                results.add(new JsonObject(Files.readString(file)));
            }
        }
        Path out = Files.createDirectories(Path.of(args[1]));
        for (Map.Entry<String, Bars> chart : charts(results).entrySet()) {
            Path file = out.resolve(chart.getKey() + ".png");
            ImageIO.write(draw(chart.getValue()), "png", file.toFile());
            System.err.println("wrote " + file);
        }
    }

    /** The charts that the results allow, by file name. */
    static Map<String, Bars> charts(List<JsonObject> results) {
        Map<String, Bars> charts = new LinkedHashMap<>();
        List<JsonObject> relays = results.stream().filter(r -> r.containsKey("relay")).toList();
        // Latency means something at a fixed rate; as fast as possible, it is the queue's length.
        List<JsonObject> paced = relays.stream()
                .filter(r -> r.getJsonObject("relay").getDouble("targetRate", 0.0) > 0).toList();
        if (!paced.isEmpty()) {
            relays = paced;
        }
        if (!relays.isEmpty()) {
            double[][] latency = new double[4][relays.size()];
            String[] keys = {"p50", "p90", "p99", "p999"};
            for (int i = 0; i < relays.size(); i++) {
                JsonObject l = relays.get(i).getJsonObject("relay").getJsonObject("latencyMs");
                for (int k = 0; k < keys.length; k++) {
                    latency[k][i] = l.getDouble(keys[k]);
                }
            }
            charts.put("latency", new Bars("End-to-end relay latency at a fixed rate (POST sent to SSE event read)", "ms",
                    labels(relays), List.of("p50", "p90", "p99", "p99.9"), latency, 5.0, "p99 target 5 ms", true));
            List<JsonObject> compared = results.stream().filter(r -> r.containsKey("relay") && r.containsKey("post")
                    && r.getJsonObject("relay").containsKey("cpuMicrosPerRelay")).toList();
            if (!compared.isEmpty()) {
                double[][] cpu = new double[2][compared.size()];
                for (int i = 0; i < compared.size(); i++) {
                    cpu[0][i] = compared.get(i).getJsonObject("relay").getDouble("cpuMicrosPerRelay", 0.0);
                    cpu[1][i] = compared.get(i).getJsonObject("post").getDouble("cpuMicrosPerPost", 0.0);
                }
                charts.put("cpu", new Bars("Server CPU time per request (utime+stime from /proc)", "µs",
                        labels(compared), List.of("per relay", "per trivial POST"), cpu, 50.0, "target 50 µs per relay"));
            }
            List<JsonObject> unpaced = compared.stream()
                    .filter(r -> r.getJsonObject("relay").getDouble("targetRate", 0.0) == 0).toList();
            if (!unpaced.isEmpty()) {
                double[][] rates = new double[2][unpaced.size()];
                for (int i = 0; i < unpaced.size(); i++) {
                    rates[0][i] = unpaced.get(i).getJsonObject("relay").getDouble("acceptedPerSecond");
                    rates[1][i] = unpaced.get(i).getJsonObject("post").getDouble("acceptedPerSecond");
                }
                charts.put("throughput", new Bars("Requests per second, as fast as possible, same node, same run",
                        "requests/s", labels(unpaced), List.of("relay (delivered end to end)", "trivial authenticated POST"),
                        rates, 20_000.0, "relay target 20,000/s"));
            }
        }
        List<JsonObject> idle = results.stream().filter(r -> r.containsKey("idle")
                && r.getJsonObject("idle").containsKey("rssKbPerStream")).toList();
        if (!idle.isEmpty()) {
            double[][] kb = new double[1][idle.size()];
            for (int i = 0; i < idle.size(); i++) {
                kb[0][i] = idle.get(i).getJsonObject("idle").getDouble("rssKbPerStream");
            }
            charts.put("memory", new Bars("Server resident memory per idle stream", "KiB",
                    labels(idle), List.of("RSS growth / streams"), kb, 16.0, "target 16 KB"));
        }
        List<JsonObject> storms = results.stream().filter(r -> r.containsKey("joinStorm")).toList();
        if (!storms.isEmpty()) {
            double[][] seconds = new double[2][storms.size()];
            for (int i = 0; i < storms.size(); i++) {
                JsonObject s = storms.get(i).getJsonObject("joinStorm");
                seconds[0][i] = s.getDouble("secondsToAllJoinAnswers");
                Double all = s.getDouble("secondsToAllAddPeers");
                seconds[1][i] = all == null ? 0 : all;
            }
            charts.put("join-storm", new Bars("Join storm: peers into rooms of 4", "s", labels(storms),
                    List.of("all join answers", "all add-peer events"), seconds, 1.0, "target 1 s"));
        }
        return charts;
    }

    private static List<String> labels(List<JsonObject> results) {
        return results.stream().map(r -> r.getString("label", r.getString("mode"))).toList();
    }

    static BufferedImage draw(Bars bars) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        int left = 80;
        int right = WIDTH - 20;
        int top = 70;
        int bottom = HEIGHT - 100;

        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(bars.title(), left, 28);

        double max = bars.target() == null ? 0 : bars.target();
        for (double[] row : bars.values()) {
            for (double v : row) {
                max = Math.max(max, v);
            }
        }
        max = niceCeiling(max * 1.1);
        // A log scale runs from 0.1 to the next power of ten above the largest value.
        double logMin = -1;
        double logMax = Math.ceil(Math.log10(Math.max(max, 1)));
        if (bars.logScale()) {
            max = Math.pow(10, logMax);
        }
        final double span = bottom - top;
        final double linearMax = max;
        java.util.function.DoubleUnaryOperator y = v -> {
            if (!bars.logScale()) {
                return bottom - span * v / linearMax;
            }
            double l = Math.log10(Math.max(v, Math.pow(10, logMin)));
            return bottom - span * (l - logMin) / (logMax - logMin);
        };

        // Axis and grid.
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        int ticks = bars.logScale() ? (int) (logMax - logMin) : 5;
        for (int i = 0; i <= ticks; i++) {
            double value = bars.logScale() ? Math.pow(10, logMin + i) : max * i / 5;
            int ty = (int) Math.round(y.applyAsDouble(value));
            g.setColor(new Color(0xe5e5e5));
            g.drawLine(left, ty, right, ty);
            g.setColor(Color.DARK_GRAY);
            String text = format(value);
            g.drawString(text, left - 8 - fm.stringWidth(text), ty + 4);
        }
        if (bars.logScale()) {
            g.drawString("(log scale)", left + 4, top - 12);
        }
        g.drawString(bars.unit(), 10, top - 12);
        g.setColor(Color.BLACK);
        g.drawLine(left, top, left, bottom);
        g.drawLine(left, bottom, right, bottom);

        // Bars.
        int groups = bars.groups().size();
        int series = bars.series().size();
        double groupWidth = (right - left) / (double) Math.max(groups, 1);
        double barWidth = groupWidth * 0.8 / series;
        for (int gi = 0; gi < groups; gi++) {
            double x0 = left + gi * groupWidth + groupWidth * 0.1;
            for (int si = 0; si < series; si++) {
                double v = bars.values()[si][gi];
                int h = (int) Math.round(bottom - y.applyAsDouble(v));
                int x = (int) Math.round(x0 + si * barWidth);
                g.setColor(SERIES[si % SERIES.length]);
                g.fillRect(x, bottom - h, Math.max(1, (int) barWidth - 2), h);
                g.setColor(Color.BLACK);
                String text = format(v);
                if (fm.stringWidth(text) <= barWidth + 6) {
                    g.drawString(text, x + (int) (barWidth - fm.stringWidth(text)) / 2, bottom - h - 4);
                }
            }
            g.setColor(Color.BLACK);
            int line = 0;
            for (String part : wrap(bars.groups().get(gi), fm, (int) groupWidth - 6)) {
                g.drawString(part, (int) (left + gi * groupWidth + (groupWidth - fm.stringWidth(part)) / 2),
                        bottom + 18 + 15 * line++);
            }
        }

        // Target line.
        if (bars.target() != null) {
            int ty = (int) Math.round(y.applyAsDouble(bars.target()));
            g.setColor(new Color(0xc0392b));
            g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f));
            g.drawLine(left, ty, right, ty);
            g.setStroke(new BasicStroke(1f));
            g.drawString(bars.targetLabel(), right - fm.stringWidth(bars.targetLabel()), ty - 5);
        }

        // Legend.
        int lx = left;
        int ly = HEIGHT - 40;
        for (int si = 0; si < series; si++) {
            g.setColor(SERIES[si % SERIES.length]);
            g.fillRect(lx, ly - 10, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(bars.series().get(si), lx + 18, ly);
            lx += 18 + fm.stringWidth(bars.series().get(si)) + 24;
        }
        g.dispose();
        return image;
    }

    /** The label on one line if it fits, else cut after dashes into lines that do. */
    static List<String> wrap(String label, FontMetrics fm, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String piece : label.split("(?<=-)")) {
            if (current.length() > 0 && fm.stringWidth(current + piece) > width) {
                lines.add(current.toString());
                current.setLength(0);
            }
            current.append(piece);
        }
        lines.add(current.toString());
        return lines;
    }

    static double niceCeiling(double value) {
        if (value <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String format(double v) {
        if (v >= 1000) {
            return String.format("%,.0f", v);
        }
        if (v >= 10) {
            return String.format("%.0f", v);
        }
        return String.format("%.2f", v);
    }
}
