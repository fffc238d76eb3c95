using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;

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
}
