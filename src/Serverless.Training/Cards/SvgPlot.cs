// Hand-written on purpose: four small static charts with the card's own styling and no dependency (OxyPlot.Core's SvgExporter could draw them, for one more package in the trainer image).
using System.Globalization;
using System.Text;
using System.Xml;

using Serverless.Training.Evaluation;

namespace Serverless.Training.Cards;

/// <summary>Small self-contained SVG charts for model cards: line charts, a confusion-matrix heatmap and a reliability diagram.</summary>
public static class SvgPlot
{
    private const int Width = 640;
    private const int Height = 400;
    private const int Left = 70;
    private const int Right = 20;
    private const int Top = 40;
    private const int Bottom = 60;
    private static readonly string[] s_colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

    /// <summary>A line chart of one or more series with axes, ticks and a legend.</summary>
    /// <param name="title">Chart title.</param>
    /// <param name="xLabel">X axis label.</param>
    /// <param name="yLabel">Y axis label.</param>
    /// <param name="series">The lines; a series without points is left out.</param>
    /// <param name="yRange">Fixed y range (e.g. 0–1 for metrics), else the data's range.</param>
    public static string LineChart(string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series, (double Min, double Max)? yRange = null)
    {
        var svg = Begin(Width, Height, title);
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToArray();
        if (points.Length == 0)
        {
            svg.Append(Text(Width / 2.0, Height / 2.0, "no data", "middle", 14));
            return End(svg);
        }

        var (xMin, xMax) = Expand(points.Min(p => p.X), points.Max(p => p.X));
        var (yMin, yMax) = yRange ?? Expand(points.Min(p => p.Y), points.Max(p => p.Y));
        double X(double x) => Left + ((x - xMin) / (xMax - xMin) * (Width - Left - Right));
        double Y(double y) => Height - Bottom - ((Math.Clamp(y, yMin, yMax) - yMin) / (yMax - yMin) * (Height - Top - Bottom));

        for (var i = 0; i <= 4; i++)
        {
            var yValue = yMin + ((yMax - yMin) * i / 4);
            var xValue = xMin + ((xMax - xMin) * i / 4);
            svg.Append(Line(Left, Y(yValue), Width - Right, Y(yValue), "#e0e0e0"));
            svg.Append(Text(Left - 6, Y(yValue) + 4, Format(yValue), "end", 11));
            svg.Append(Text(X(xValue), Height - Bottom + 16, Format(xValue), "middle", 11));
        }

        svg.Append(Line(Left, Height - Bottom, Width - Right, Height - Bottom, "#333"));
        svg.Append(Line(Left, Top, Left, Height - Bottom, "#333"));
        svg.Append(Text((Left + Width - Right) / 2.0, Height - 18, xLabel, "middle", 12));
        svg.Append(Invariant($"<text x=\"16\" y=\"{(Top + Height - Bottom) / 2.0:0.#}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(Top + Height - Bottom) / 2.0:0.#})\">{Escape(yLabel)}</text>\n"));

        var drawn = series.Where(s => s.Points.Count > 0).ToArray();
        for (var s = 0; s < drawn.Length; s++)
        {
            var color = s_colors[s % s_colors.Length];
            var path = string.Join(' ', drawn[s].Points
                .Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y))
                .Select(p => Invariant($"{X(p.X):0.##},{Y(p.Y):0.##}")));
            svg.Append(Invariant($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{path}\"/>\n"));
            if (drawn[s].Points.Count == 1)
            {
                var p = drawn[s].Points[0];
                svg.Append(Invariant($"<circle cx=\"{X(p.X):0.##}\" cy=\"{Y(p.Y):0.##}\" r=\"3\" fill=\"{color}\"/>\n"));
            }

            var legendY = Top + 4 + (s * 16);
            svg.Append(Line(Width - Right - 150, legendY, Width - Right - 130, legendY, color, 2));
            svg.Append(Text(Width - Right - 125, legendY + 4, drawn[s].Name, "start", 11));
        }

        return End(svg);
    }

    /// <summary>A heatmap of a confusion matrix: rows actual, columns predicted, shaded by each row's share, with counts.</summary>
    public static string ConfusionMatrixHeatmap(ConfusionMatrix matrix, string title = "Confusion matrix (test)")
    {
        var n = matrix.Labels.Count;
        var cell = Math.Clamp(480 / Math.Max(n, 1), 12, 90);
        var labelSpace = 110;
        var width = labelSpace + (n * cell) + 20;
        var height = Top + labelSpace + (n * cell) + 20;
        var fontSize = Math.Clamp(cell / 4, 7, 14);
        var svg = Begin(width, height, title);
        var gridTop = Top + labelSpace;

        svg.Append(Text(labelSpace + (n * cell / 2.0), Top + 14, "predicted", "middle", 12));
        svg.Append(Invariant($"<text x=\"14\" y=\"{gridTop + (n * cell / 2.0):0.#}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 {gridTop + (n * cell / 2.0):0.#})\">actual</text>\n"));
        for (var r = 0; r < n; r++)
        {
            var rowTotal = matrix.Counts[r].Sum();
            svg.Append(Text(labelSpace - 6, gridTop + (r * cell) + (cell / 2.0) + 4, Shorten(matrix.Labels[r]), "end", fontSize));
            var columnX = labelSpace + (r * cell) + (cell / 2.0);
            svg.Append(Invariant($"<text x=\"{columnX:0.#}\" y=\"{gridTop - 6}\" font-size=\"{fontSize}\" text-anchor=\"start\" transform=\"rotate(-45 {columnX:0.#} {gridTop - 6})\">{Escape(Shorten(matrix.Labels[r]))}</text>\n"));
            for (var c = 0; c < n; c++)
            {
                var count = matrix.Counts[r][c];
                var share = rowTotal == 0 ? 0 : (double)count / rowTotal;
                var shade = (int)Math.Round(255 - (share * 200));
                var fill = Invariant($"rgb({shade},{shade},255)");
                var x = labelSpace + (c * cell);
                var y = gridTop + (r * cell);
                svg.Append(Invariant($"<rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\" stroke=\"#fff\"/>\n"));
                svg.Append(Text(x + (cell / 2.0), y + (cell / 2.0) + 4, count.ToString(CultureInfo.InvariantCulture), "middle", fontSize, share > 0.6 ? "#fff" : "#000"));
            }
        }

        return End(svg);
    }

    /// <summary>
    /// A reliability diagram: per confidence bin, a bar of its accuracy and a point at (mean confidence, accuracy), with the
    /// diagonal a perfectly calibrated model would follow; empty bins draw nothing. Both axes run 0–1.
    /// </summary>
    public static string ReliabilityDiagram(ConfidenceCalibrationReport report, string title = "Reliability (test)")
    {
        ArgumentNullException.ThrowIfNull(report);
        var size = Height - Top - Bottom;
        var svg = Begin(Left + size + Right + 150, Height, Invariant($"{title}: ECE {report.ExpectedCalibrationError:0.0000}"));
        double X(double x) => Left + (x * size);
        double Y(double y) => Top + size - (y * size);

        for (var i = 0; i <= 5; i++)
        {
            var value = i / 5.0;
            svg.Append(Line(Left, Y(value), X(1), Y(value), "#e0e0e0"));
            svg.Append(Text(Left - 6, Y(value) + 4, Format(value), "end", 11));
            svg.Append(Text(X(value), Top + size + 16, Format(value), "middle", 11));
        }

        var filled = report.Bins.Where(b => b.Count > 0).ToArray();
        foreach (var bin in filled)
        {
            svg.Append(Invariant($"<rect x=\"{X(bin.Lower) + 1:0.##}\" y=\"{Y(bin.Accuracy):0.##}\" width=\"{((bin.Upper - bin.Lower) * size) - 2:0.##}\" height=\"{bin.Accuracy * size:0.##}\" fill=\"#aec7e8\"/>\n"));
        }

        svg.Append(Invariant($"<line x1=\"{X(0):0.##}\" y1=\"{Y(0):0.##}\" x2=\"{X(1):0.##}\" y2=\"{Y(1):0.##}\" stroke=\"#888\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>\n"));
        if (filled.Length > 0)
        {
            var path = string.Join(' ', filled.Select(b => Invariant($"{X(b.MeanConfidence):0.##},{Y(b.Accuracy):0.##}")));
            svg.Append(Invariant($"<polyline fill=\"none\" stroke=\"{s_colors[0]}\" stroke-width=\"2\" points=\"{path}\"/>\n"));
            foreach (var bin in filled)
            {
                svg.Append(Invariant($"<circle cx=\"{X(bin.MeanConfidence):0.##}\" cy=\"{Y(bin.Accuracy):0.##}\" r=\"3\" fill=\"{s_colors[0]}\"/>\n"));
            }
        }
        else
        {
            svg.Append(Text(X(0.5), Y(0.5), "no data", "middle", 14));
        }

        svg.Append(Line(Left, Y(0), X(1), Y(0), "#333"));
        svg.Append(Line(Left, Y(0), Left, Y(1), "#333"));
        svg.Append(Text(X(0.5), Height - 18, "confidence (top-label probability)", "middle", 12));
        svg.Append(Invariant($"<text x=\"16\" y=\"{Y(0.5):0.#}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 {Y(0.5):0.#})\">accuracy</text>\n"));
        var legendX = X(1) + 12;
        svg.Append(Line(legendX, Top + 4, legendX + 20, Top + 4, s_colors[0], 2));
        svg.Append(Text(legendX + 25, Top + 8, "per bin", "start", 11));
        svg.Append(Invariant($"<line x1=\"{legendX:0.##}\" y1=\"{Top + 20}\" x2=\"{legendX + 20:0.##}\" y2=\"{Top + 20}\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"));
        svg.Append(Text(legendX + 25, Top + 24, "calibrated", "start", 11));
        return End(svg);
    }

    private static StringBuilder Begin(int width, int height, string title) => new StringBuilder()
        .Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\">\n"))
        .Append(Invariant($"<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>\n"))
        .Append(Text(width / 2.0, 24, title, "middle", 15));

    private static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    private static string Line(double x1, double y1, double x2, double y2, string color, int width = 1) =>
        Invariant($"<line x1=\"{x1:0.##}\" y1=\"{y1:0.##}\" x2=\"{x2:0.##}\" y2=\"{y2:0.##}\" stroke=\"{color}\" stroke-width=\"{width}\"/>\n");

    private static string Text(double x, double y, string text, string anchor, int size, string color = "#000") =>
        Invariant($"<text x=\"{x:0.##}\" y=\"{y:0.##}\" font-size=\"{size}\" text-anchor=\"{anchor}\" fill=\"{color}\">{Escape(text)}</text>\n");

    private static (double Min, double Max) Expand(double min, double max) =>
        max - min > 1e-12 ? (min, max) : (min - 0.5, max + 0.5);

    private static string Format(double value) =>
        Math.Abs(value) >= 100 ? value.ToString("0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);

    // Never cuts between the two halves of a surrogate pair.
    private static string Shorten(string label) =>
        label.Length <= 16 ? label : label[..(char.IsHighSurrogate(label[14]) ? 14 : 15)] + "…";

    /// <summary>
    /// Text as XML character data: markup characters and quotes as entities, and characters XML 1.0 cannot hold at all
    /// (control characters, lone surrogates) as U+FFFD, so any label gives a well-formed document.
    /// </summary>
    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': escaped.Append("&amp;"); break;
                case '<': escaped.Append("&lt;"); break;
                case '>': escaped.Append("&gt;"); break;
                case '"': escaped.Append("&quot;"); break;
                case '\'': escaped.Append("&apos;"); break;
                case '\t' or '\n' or '\r': escaped.Append(' '); break;
                case var pair when i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], pair):
                    escaped.Append(pair).Append(text[++i]);
                    break;
                case var other when XmlConvert.IsXmlChar(other) && !char.IsControl(other): escaped.Append(other); break;
                default: escaped.Append('\uFFFD'); break;
            }
        }

        return escaped.ToString();
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
