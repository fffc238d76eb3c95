using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;

using Markdig;

using Serverless.Packages;
using Serverless.Training.Cards;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;

namespace Serverless.Training.Tests.Cards;

public sealed class ModelCardTests
{
    private static ModelCardContent Content()
    {
        LabelledExample[] Examples(string label, int count) =>
            Enumerable.Range(0, count).Select(i => new LabelledExample($"{label} {i}", label)).ToArray();
        var splits = new DatasetSplits(
            [.. Examples("ham", 8), .. Examples("sp|am", 4)], [.. Examples("ham", 1), .. Examples("sp|am", 1)],
            [.. Examples("ham", 3), .. Examples("sp|am", 2)], "datasets/spam.jsonl", "0123abcd");
        return new ModelCardContent
        {
            ModelName = "spam",
            TrainingMode = "head",
            Base = "minilm@1",
            Data = splits,
            TestMetrics = ClassificationMetrics.Compute(["ham", "sp|am"], [0, 0, 0, 1, 1], [0, 0, 1, 1, 1]),
            Hyperparameters = new JsonObject { ["l2"] = 0.01, ["seed"] = 42 },
            Loss = [new(1, 0.7), new(2, 0.4), new(3, 0.3)],
            ValidationCurve = [new(1, 0.5, 0.4), new(2, 0.9, 0.85), new(3, 1, 1)],
            Notes = ["Serving parity: 5/5 predictions agree."],
        };
    }

    [Fact]
    public void Create_CardHasClassCountsPerClassTableConfusionMatrixAndLineage()
    {
        var files = ModelCard.Create(Content());
        var card = Encoding.UTF8.GetString(files[PackageFiles.Card]);

        Assert.Contains("| ham | 8 | 1 | 3 | 12 |", card, StringComparison.Ordinal);
        Assert.Contains("| sp\\|am | 4 | 1 | 2 | 7 |", card, StringComparison.Ordinal);
        Assert.Contains("| label | precision | recall | F1 | support |", card, StringComparison.Ordinal);
        Assert.Contains("| ham | 1.0000 | 0.6667 | 0.8000 | 3 |", card, StringComparison.Ordinal);
        Assert.Contains("| sp\\|am | 0.6667 | 1.0000 | 0.8000 | 2 |", card, StringComparison.Ordinal);
        Assert.Contains("| ham | 2 | 1 |", card, StringComparison.Ordinal);
        Assert.Contains("| l2 | 0.01 |", card, StringComparison.Ordinal);
        Assert.Contains("sha256 `0123abcd`", card, StringComparison.Ordinal);
        Assert.Contains("Serving parity: 5/5", card, StringComparison.Ordinal);
        Assert.Contains($"]({ModelCard.ConfusionMatrixPlot})", card, StringComparison.Ordinal);
        Assert.Contains($"]({ModelCard.LossPlot})", card, StringComparison.Ordinal);
        Assert.Contains($"]({ModelCard.ValidationPlot})", card, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_PlotsAreValidSvgWithTheirData()
    {
        var files = ModelCard.Create(Content());

        foreach (var plot in new[] { ModelCard.LossPlot, ModelCard.ValidationPlot, ModelCard.ConfusionMatrixPlot })
        {
            var svg = XDocument.Parse(Encoding.UTF8.GetString(files[plot]));
            Assert.Equal(XName.Get("svg", "http://www.w3.org/2000/svg"), svg.Root!.Name);
        }

        XNamespace ns = "http://www.w3.org/2000/svg";
        var heatmap = XDocument.Parse(Encoding.UTF8.GetString(files[ModelCard.ConfusionMatrixPlot]));
        Assert.Equal(4, heatmap.Descendants(ns + "rect").Count() - 1);
        Assert.Contains(heatmap.Descendants(ns + "text"), t => t.Value == "sp|am");
        var validation = XDocument.Parse(Encoding.UTF8.GetString(files[ModelCard.ValidationPlot]));
        Assert.Equal(2, validation.Descendants(ns + "polyline").Count());
        var loss = XDocument.Parse(Encoding.UTF8.GetString(files[ModelCard.LossPlot]));
        Assert.Equal(3, loss.Descendants(ns + "polyline").Single().Attribute("points")!.Value.Split(' ').Length);
    }

    [Fact]
    public void Create_WithoutCurves_HasOnlyCardAndConfusionMatrix()
    {
        var files = ModelCard.Create(Content() with { Loss = [], ValidationCurve = [] });

        Assert.Equal([PackageFiles.Card, ModelCard.ConfusionMatrixPlot], files.Keys.Order(StringComparer.Ordinal));
    }

    private static ModelCardContent ContentWithDiagnostics()
    {
        var content = Content();
        var calibration = ConfidenceCalibration.Compute([0.95, 0.95, 0.65, 0.55], [true, true, false, true]);
        var slices = new SliceReport("source_id", 3, 1, 0.9, 0.88,
            [new SliceResult("web|mail", 60, 0.95, 0.94, false), new SliceResult("chat", 25, 0.7, 0.65, true), new SliceResult(DatasetFields.NoSlice, 5, 0.4, 0.4, false)]);
        return content with { Diagnostics = new TestSplitDiagnostics(calibration, slices) };
    }

    [Fact]
    public void Create_WithDiagnostics_CardShowsTheSliceTableWithFlaggedSlicesMarkedAndTheCalibrationFigure()
    {
        var files = ModelCard.Create(ContentWithDiagnostics());
        var card = Encoding.UTF8.GetString(files[PackageFiles.Card]);

        Assert.Contains("3 slices, 1 flagged", card, StringComparison.Ordinal);
        Assert.Contains("| web\\|mail | 60 | 0.9500 | 0.9400 |  |", card, StringComparison.Ordinal);
        Assert.Contains("| chat | 25 | 0.7000 | 0.6500 | ⚠ flagged |", card, StringComparison.Ordinal);
        Assert.Contains("| (none) | 5 | 0.4000 | 0.4000 |  |", card, StringComparison.Ordinal);
        // ECE: bin 9 (0.95, 2 of 2 right) 0.05 off, bin 6 (0.65, wrong) 0.65 off, bin 5 (0.55, right) 0.45 off → (0.1 + 0.65 + 0.45) / 4.
        Assert.Contains("Expected calibration error **0.3000** over 4 examples", card, StringComparison.Ordinal);
        Assert.Contains($"![Reliability diagram]({ModelCard.ReliabilityPlot})", card, StringComparison.Ordinal);
        Assert.Contains("| 0.9–1.0 | 2 | 0.9500 | 1.0000 |", card, StringComparison.Ordinal);
        var html = XDocument.Parse("<root>" + Markdown.ToHtml(card, new MarkdownPipelineBuilder().UseAdvancedExtensions().Build()) + "</root>");
        Assert.Contains(html.Descendants("h2"), h => h.Value == "Slices by source_id (test split)");
        var tables = html.Descendants("table").ToArray();
        var sliceTable = tables.Single(t => t.Descendants("th").First().Value == "slice");
        Assert.Equal(["web|mail", "chat", "(none)"], sliceTable.Descendants("tbody").Elements("tr").Select(r => r.Elements("td").First().Value));
    }

    [Fact]
    public void ReliabilityDiagram_HasTheDiagonalAndOnePointAndBarPerFilledBin()
    {
        var files = ModelCard.Create(ContentWithDiagnostics());

        XNamespace ns = "http://www.w3.org/2000/svg";
        var svg = XDocument.Parse(Encoding.UTF8.GetString(files[ModelCard.ReliabilityPlot]));
        Assert.Equal(3, svg.Descendants(ns + "circle").Count());
        Assert.Equal(3, svg.Descendants(ns + "rect").Count() - 1);
        var diagonal = svg.Descendants(ns + "line").Single(l => l.Attribute("stroke-dasharray") is not null && l.Attribute("x1")!.Value != l.Attribute("x2")!.Value && l.Attribute("y1")!.Value != l.Attribute("y2")!.Value);
        Assert.Equal("70", diagonal.Attribute("x1")!.Value);
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value.Contains("ECE 0.3000", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_WithoutDiagnostics_HasNoCalibrationOrSliceSection()
    {
        var files = ModelCard.Create(Content());
        var card = Encoding.UTF8.GetString(files[PackageFiles.Card]);

        Assert.DoesNotContain("## Calibration", card, StringComparison.Ordinal);
        Assert.DoesNotContain("## Slices", card, StringComparison.Ordinal);
        Assert.False(files.ContainsKey(ModelCard.ReliabilityPlot));
    }

    [Fact]
    public void LineChart_LabelsWithMarkup_AreEscaped()
    {
        var svg = SvgPlot.LineChart("a <b> & c", "x", "y", [new PlotSeries("<s>", [(0, 1), (1, 2)])]);

        Assert.Contains("a &lt;b&gt; &amp; c", XDocument.Parse(svg).ToString(), StringComparison.Ordinal);
    }

    private static readonly string[] s_hostileLabels =
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "a|b\n# c",
        "**x** [y](javascript:alert(1)) `z`",
        "Tom\u0007 & \"Jerry\" 'q'",
    ];

    private static ModelCardContent HostileContent()
    {
        var labels = s_hostileLabels.Order(StringComparer.Ordinal).ToArray();
        LabelledExample[] Examples(int count) =>
            labels.SelectMany(l => Enumerable.Range(0, count).Select(i => new LabelledExample($"text {i}", l))).ToArray();
        var actual = Enumerable.Range(0, labels.Length).ToArray();
        return Content() with
        {
            Data = new DatasetSplits(Examples(8), Examples(1), Examples(1), "datasets/hostile.jsonl", "0123abcd"),
            TestMetrics = ClassificationMetrics.Compute(labels, actual, actual),
        };
    }

    [Fact]
    public void Markdown_LabelsWithHtmlMarkdownOrTableBreakers_RenderAsTheirTextOnly()
    {
        var card = ModelCard.Markdown(HostileContent());

        // Rendered the way a repository or model hub shows card.md: CommonMark with raw HTML allowed, GitHub tables.
        var html = Markdown.ToHtml(card, new MarkdownPipelineBuilder().UseAdvancedExtensions().Build());
        var document = XDocument.Parse("<root>" + html + "</root>");

        Assert.Empty(document.Descendants("script"));
        Assert.Empty(document.Descendants("a"));
        Assert.All(document.Descendants("img"), img => Assert.StartsWith("plots/", img.Attribute("src")!.Value, StringComparison.Ordinal));
        Assert.DoesNotContain(document.Descendants(), e => e.Attributes().Any(a => a.Name.LocalName.StartsWith("on", StringComparison.Ordinal)));
        var tables = document.Descendants("table").ToArray();
        Assert.Equal(4, tables.Length);
        foreach (var table in tables)
        {
            var width = table.Descendants("th").Count();
            Assert.All(table.Descendants("tbody").Elements("tr"), row => Assert.Equal(width, row.Elements("td").Count()));
        }

        var perClass = tables.Single(t => t.Descendants("th").First().Value == "label" && t.Descendants("th").Any(h => h.Value == "precision"));
        var shown = perClass.Descendants("tbody").Elements("tr").Select(r => r.Elements("td").First().Value).ToArray();
        var expected = s_hostileLabels.Order(StringComparer.Ordinal).Select(l => l.Replace('\n', ' ').Replace('\u0007', ' ').Trim()).ToArray();
        Assert.Equal(expected, shown);
    }

    [Fact]
    public void Create_LabelsWithMarkupQuotesAndControlCharacters_GiveWellFormedSvgShowingTheLabels()
    {
        var files = ModelCard.Create(HostileContent() with
        {
            Loss = [new(1, 0.5)],
            ValidationCurve = [new(1, 0.5, 0.5)],
        });

        XNamespace ns = "http://www.w3.org/2000/svg";
        foreach (var plot in new[] { ModelCard.LossPlot, ModelCard.ValidationPlot, ModelCard.ConfusionMatrixPlot })
        {
            Assert.Equal(ns + "svg", XDocument.Parse(Encoding.UTF8.GetString(files[plot])).Root!.Name);
        }

        var heatmap = XDocument.Parse(Encoding.UTF8.GetString(files[ModelCard.ConfusionMatrixPlot]));
        var texts = heatmap.Descendants(ns + "text").Select(t => t.Value).ToArray();
        Assert.Contains("<img src=x oner…", texts);
        Assert.Contains("Tom\ufffd & \"Jerry\" …", texts);
        Assert.Empty(heatmap.Descendants(ns + "script"));
        Assert.Empty(heatmap.Descendants(ns + "img"));
    }

    [Fact]
    public void LineChart_ControlCharacterOrLoneSurrogateInALegend_StillGivesWellFormedSvg()
    {
        var svg = SvgPlot.LineChart("t", "x", "y", [new PlotSeries("bell\u0007 \ud800 end", [(0, 1), (1, 2)])]);

        var legend = XDocument.Parse(svg).Descendants(XName.Get("text", "http://www.w3.org/2000/svg")).Select(t => t.Value);
        Assert.Contains("bell\ufffd \ufffd end", legend);
    }
}
