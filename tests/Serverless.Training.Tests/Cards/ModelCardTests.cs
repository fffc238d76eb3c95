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
