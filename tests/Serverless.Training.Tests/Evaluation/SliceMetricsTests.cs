using Serverless.Training.Evaluation;

namespace Serverless.Training.Tests.Evaluation;

public sealed class SliceMetricsTests
{
    private static readonly string[] s_labels = ["ham", "spam"];

    /// <summary>Texts of one slice: <paramref name="right"/> predicted right, the rest wrong, classes alternating.</summary>
    private static IEnumerable<(int Actual, int Predicted, string Slice)> Slice(string value, int count, int right) =>
        Enumerable.Range(0, count).Select(i => (i % 2, i < right ? i % 2 : 1 - (i % 2), value));

    private static SliceReport Compute(params (int Actual, int Predicted, string Slice)[] texts)
    {
        var actual = texts.Select(t => t.Actual).ToArray();
        var predicted = texts.Select(t => t.Predicted).ToArray();
        var overall = ClassificationMetrics.Compute(s_labels, actual, predicted);
        return SliceMetrics.Compute("source", s_labels, actual, predicted, texts.Select(t => t.Slice).ToArray(), overall);
    }

    [Fact]
    public void Compute_LargeSliceTenPointsWorse_IsFlaggedAndSmallOrMildOnesAreNot()
    {
        var report = Compute([.. Slice("web", 200, 196), .. Slice("mail", 20, 16), .. Slice("chat", 19, 10), .. Slice("news", 40, 36)]);

        // Overall (196 + 16 + 10 + 36) / 279 = 0.9247; mail 0.80 is 12.5 points below, news 0.90 is 2.5 below.
        var bySlice = report.Shown.ToDictionary(s => s.Value);
        Assert.Equal(4, report.SliceCount);
        Assert.Equal(1, report.FlaggedCount);
        Assert.True(bySlice["mail"].Flagged);
        Assert.Equal(20, bySlice["mail"].Count);
        Assert.Equal(0.8, bySlice["mail"].Accuracy, 12);
        Assert.False(bySlice["chat"].Flagged, "19 texts are too few to flag, however bad");
        Assert.False(bySlice["news"].Flagged, "2.5 points below is within the rule");
        Assert.False(bySlice["web"].Flagged);
        Assert.Equal(["web", "news", "mail", "chat"], report.Shown.Select(s => s.Value));
    }

    [Fact]
    public void IsFlagged_ExactlyTenPointsBelow_IsFlaggedAndJustUnderIsNot()
    {
        var overall = ClassificationMetrics.Compute(s_labels, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        Assert.Equal(0.9, overall.Accuracy, 12);

        Assert.True(SliceMetrics.IsFlagged(20, 0.8, overall.MacroF1, overall));
        Assert.False(SliceMetrics.IsFlagged(20, 0.81, overall.MacroF1, overall));
        Assert.True(SliceMetrics.IsFlagged(20, overall.Accuracy, overall.MacroF1 - 0.1, overall), "macro-F1 alone can flag");
        Assert.False(SliceMetrics.IsFlagged(19, 0.0, 0.0, overall));
    }

    [Fact]
    public void Compute_SliceOfOneClassAllRight_HasMacroF1OneOverItsOwnLabels()
    {
        var report = Compute([.. Enumerable.Range(0, 30).Select(_ => (1, 1, "newsletter")), .. Slice("other", 30, 30)]);

        var newsletter = report.Shown.Single(s => s.Value == "newsletter");
        Assert.Equal(1.0, newsletter.MacroF1, 12);
        Assert.False(newsletter.Flagged);
    }

    [Fact]
    public void Compute_SliceOfOneClassWithAFewErrors_IsJudgedByThatClassAlone()
    {
        // Every SpamAssassin group is one class. 38 of 40 spam right: accuracy 0.95, spam F1 2 × 0.95 / 1.95 = 0.974; the
        // ham the model wrongly predicted twice has no texts here and does not halve the slice's macro-F1.
        var report = Compute([.. Enumerable.Range(0, 40).Select(i => (1, i < 38 ? 1 : 0, "spam-only")), .. Slice("mixed", 60, 57)]);

        var spamOnly = report.Shown.Single(s => s.Value == "spam-only");
        Assert.Equal(0.95, spamOnly.Accuracy, 12);
        Assert.Equal(2 * 0.95 / 1.95, spamOnly.MacroF1, 12);
        Assert.False(spamOnly.Flagged);
    }

    [Fact]
    public void Compute_ManySlices_ShowsTheLargestAndEveryFlaggedOne()
    {
        // 60 good slices of 25 texts (largest first by count), then a bad slice of 20 that ranks last by size.
        var good = Enumerable.Range(0, 60).SelectMany(i => Slice($"s{i:00}", 25 + (i < 10 ? 1 : 0), 25 + (i < 10 ? 1 : 0)));
        var report = Compute([.. good, .. Slice("bad", 20, 10)]);

        Assert.Equal(61, report.SliceCount);
        Assert.Equal(SliceMetrics.MaxShown + 1, report.Shown.Count);
        Assert.Equal("bad", report.Shown[^1].Value);
        Assert.True(report.Shown[^1].Flagged);
        Assert.Equal(1, report.FlaggedCount);
    }

    [Fact]
    public void ToJson_HasTheFieldTheRuleAndEverySlice()
    {
        var json = Compute([.. Slice("web", 40, 40), .. Slice("mail", 20, 10)]).ToJson();

        Assert.Equal("source", json["field"]!.GetValue<string>());
        Assert.Equal(2, json["count"]!.GetValue<int>());
        Assert.Equal(1, json["flagged"]!.GetValue<int>());
        Assert.Equal(20, json["min_count"]!.GetValue<int>());
        Assert.Equal(0.1, json["max_drop"]!.GetValue<double>());
        var mail = json["values"]!.AsArray().Single(v => v!["value"]!.GetValue<string>() == "mail")!;
        Assert.Equal(20, mail["count"]!.GetValue<int>());
        Assert.Equal(0.5, mail["accuracy"]!.GetValue<double>());
        Assert.True(mail["flagged"]!.GetValue<bool>());
    }
}
