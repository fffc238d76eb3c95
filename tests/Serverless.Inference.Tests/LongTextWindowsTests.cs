using Serverless.Classification;
using Serverless.Errors;
using Serverless.Inference.Tokenization;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Testing;

namespace Serverless.Inference.Tests;

/// <summary>
/// <see cref="LongTextMode.Windows"/> on real tiny models. The short packages have a maximum length of 16: windows of 14
/// text tokens that start every 7, so a text of 28 one-token words is exactly three windows (words 0–13, 7–20, 14–27).
/// </summary>
public sealed class LongTextWindowsTests(TinyPackagesFixture packages) : IClassFixture<TinyPackagesFixture>
{
    private const int WindowWords = 14;
    private const int Stride = 7;
    private const float Tolerance = 1e-5f;

    [Fact]
    public void WindowStride_OfTheShortPackage_IsHalfItsTextTokens()
    {
        Assert.Equal(16, packages.Short.MaxLength);
        Assert.Equal(Stride, BertTextTokenizer.WindowStride(packages.Short.MaxLength));
    }

    [Fact]
    public async Task Classify_TextOfExactlyThreeWindows_ScoresTheMeanOfItsWindowsClassifiedAlone()
    {
        await using var engine = await Engines.StartAsync(packages.Short);
        var text = Engines.Text(2 * WindowWords, seed: 3);

        var pooled = Assert.Single(await ClassifyWindowsAsync(engine, [text]));
        var alone = await engine.ClassifyAsync(WindowTexts(text, 3), topK: null, CancellationToken.None);

        Assert.Equal(3, pooled.Windows);
        Assert.False(pooled.Truncated);
        Assert.All(alone, window => Assert.False(window.Truncated));
        foreach (var label in TinyPackagesFixture.ClassifierLabels)
        {
            Assert.Equal(alone.Average(w => ScoreOf(w, label)), ScoreOf(pooled, label), Tolerance);
        }

        Assert.Equal(pooled.Scores.Select(s => s.Score).OrderDescending(), pooled.Scores.Select(s => s.Score));
        Assert.Equal(pooled.Scores[0].Label, pooled.Label);
        Assert.Equal(1.0, pooled.Scores.Sum(s => s.Score), 5);

        // The pooled score is not what truncation gives (the first window alone), or the test would prove little.
        Assert.NotEqual(ScoreOf(alone[0], pooled.Label), pooled.Score, Tolerance);
    }

    [Fact]
    public async Task Classify_MultiLabelTextOfThreeWindows_TakesTheMaximumPerLabelAndListsLabelsAtTheThreshold()
    {
        var package = ModelPackage.Open(TinyModels.WriteClassifierPackage(
            packages.NewDirectory("multi-short"), TinyPackagesFixture.MultiLabels, ModelConfig.MultiLabel, seed: 3, maxLength: 16));
        await using var engine = await Engines.StartAsync(package);
        var texts = Enumerable.Range(0, 6).Select(seed => Engines.Text(2 * WindowWords, seed)).ToArray();

        var pooled = await ClassifyWindowsAsync(engine, texts);

        var differsFromMean = false;
        for (var t = 0; t < texts.Length; t++)
        {
            var alone = await engine.ClassifyAsync(WindowTexts(texts[t], 3), topK: null, CancellationToken.None);
            Assert.Equal(3, pooled[t].Windows);
            foreach (var label in TinyPackagesFixture.MultiLabels)
            {
                Assert.Equal(alone.Max(w => ScoreOf(w, label)), ScoreOf(pooled[t], label), Tolerance);
                differsFromMean |= Math.Abs(alone.Average(w => ScoreOf(w, label)) - ScoreOf(pooled[t], label)) > 1e-3;
            }

            Assert.Equal(pooled[t].Scores.Where(s => s.Score >= 0.5f).Select(s => s.Label), pooled[t].Labels);
        }

        Assert.True(differsFromMean, "the windows' scores differ, so the maximum is told apart from the mean");
    }

    [Fact]
    public async Task Classify_WindowsForATextThatFits_IsOneWindowScoredAsTruncationScoresIt()
    {
        await using var engine = await Engines.StartAsync(packages.Short);
        var text = Engines.Text(WindowWords);

        var windowed = Assert.Single(await ClassifyWindowsAsync(engine, [text]));
        var truncated = Assert.Single(await engine.ClassifyAsync([text], topK: null, CancellationToken.None));

        Assert.Equal(1, windowed.Windows);
        Assert.Equal(truncated.Scores.Select(s => s.Label), windowed.Scores.Select(s => s.Label));
        Assert.Equal(truncated.Scores.Select(s => s.Score), windowed.Scores.Select(s => s.Score));
    }

    [Fact]
    public async Task Classify_TextLongerThanSixteenWindowsCover_IsCutToSixteenAndFlaggedTruncated()
    {
        await using var engine = await Engines.StartAsync(packages.Short);
        var covered = WindowWords + ((ClassificationEngine.MaxWindowsPerText - 1) * Stride);

        var results = await ClassifyWindowsAsync(engine, [Engines.Text(covered), Engines.Text(covered + 1)]);

        Assert.Equal([16, 16], results.Select(r => r.Windows));
        Assert.Equal([false, true], results.Select(r => r.Truncated));
    }

    [Fact]
    public async Task Classify_DefaultMode_TruncatesAndReportsNoWindows()
    {
        await using var engine = await Engines.StartAsync(packages.Short);

        var result = Assert.Single(await engine.ClassifyAsync([Engines.Text(2 * WindowWords)], topK: null, CancellationToken.None));

        Assert.True(result.Truncated);
        Assert.Null(result.Windows);
    }

    [Fact]
    public async Task Classify_WindowsBeyondTheRequestLimit_ThrowsPayloadTooLargeNamingTheWindowsAndTheLimit()
    {
        await using var engine = await Engines.StartAsync(packages.Short);
        string[] texts = [Engines.Text(2 * WindowWords), Engines.Text(2 * WindowWords, seed: 1)];

        var error = await Assert.ThrowsAsync<PayloadTooLargeException>(() => engine.ClassifyAsync(
            texts, topK: null, LongTextMode.Windows, maxWindows: 5, waitForCapacity: false, CancellationToken.None));

        Assert.Contains("2 texts make 6 windows", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 5 are allowed per request", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, engine.Statistics.Texts);
    }

    [Fact]
    public async Task Classify_WindowsBeyondTheEngineQueue_ThrowsPayloadTooLargeNamingTheQueueLimit()
    {
        await using var engine = await Engines.StartAsync(packages.Short, new BatchingOptions { MaxQueuedTexts = 4 });

        string[] texts = [Engines.Text(2 * WindowWords), Engines.Text(2 * WindowWords, seed: 1)];

        // Two texts fit the queue; their six windows do not, and waiting would never make room for them.
        var error = await Assert.ThrowsAsync<PayloadTooLargeException>(() => engine.ClassifyAsync(
            texts, topK: null, LongTextMode.Windows, maxWindows: 256, waitForCapacity: true, CancellationToken.None));

        Assert.Contains("2 texts make 6 windows", error.Message, StringComparison.Ordinal);
        Assert.Contains("the engine queues at most 4 (Serving:Batching:MaxQueuedTexts)", error.Message, StringComparison.Ordinal);
    }

    private static Task<IReadOnlyList<TextClassification>> ClassifyWindowsAsync(ClassificationEngine engine, IReadOnlyList<string> texts) =>
        engine.ClassifyAsync(texts, topK: null, LongTextMode.Windows, maxWindows: null, waitForCapacity: false, CancellationToken.None);

    // The tiny vocabulary makes every word of Engines.Text one token, so window w holds words w·stride … w·stride + 13.
    private static string[] WindowTexts(string text, int windows)
    {
        var words = text.Split(' ');
        return [.. Enumerable.Range(0, windows).Select(w => string.Join(' ', words.Skip(w * Stride).Take(WindowWords)))];
    }

    private static float ScoreOf(TextClassification result, string label) => result.Scores.Single(s => s.Label == label).Score;
}
