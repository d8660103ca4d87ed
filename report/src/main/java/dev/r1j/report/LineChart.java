package dev.r1j.report;

import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.r1j.common.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A line chart of one or more series against a shared x axis (usually the step), rendered to PNG.
 * Immutable: {@link #with} returns a chart with one more series. Rendering needs no display.
 *
 * @param title  shown above the plot
 * @param xLabel x-axis title
 * @param yLabel y-axis title
 * @param series name → points, in legend order
 */
public record LineChart(String title, String xLabel, String yLabel, Map<String, List<double[]>> series) {

    public LineChart {
        series = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(series));
    }

    public LineChart(String title, String xLabel, String yLabel) {
        this(title, xLabel, yLabel, Map.of());
    }

    /** This chart with series {@code name} of points {@code (x[i], y[i])}; NaN points are left out. */
    public LineChart with(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y values");
        }
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                points.add(new double[] {x[i], y[i]});
            }
        }
        Map<String, List<double[]>> more = new LinkedHashMap<>(series);
        more.put(name, List.copyOf(points));
        return new LineChart(title, xLabel, yLabel, more);
    }

    /** The chart as PNG bytes, {@code width} x {@code height} pixels. */
    public byte[] png(int width, int height) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setPlotGridLinesColor(new Color(225, 225, 225));
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendVisible(series.size() > 1);
        chart.getStyler().setMarkerSize(4);
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            List<double[]> pts = e.getValue();
            if (pts.isEmpty()) {
                continue;
            }
            double[] x = new double[pts.size()];
            double[] y = new double[pts.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = pts.get(i)[0];
                y[i] = pts.get(i)[1];
            }
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            s.setMarker(pts.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the chart as a PNG file, atomically. */
    public void writePng(Path file, int width, int height) {
        AtomicFiles.writeBytes(file, png(width, height));
    }
}
