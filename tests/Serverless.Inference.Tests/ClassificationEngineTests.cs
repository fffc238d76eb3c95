using System.Diagnostics.Metrics;

using Microsoft.Extensions.DependencyInjection;

using Serverless.Errors;
using Serverless.Inference.Tokenization;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Testing;

namespace Serverless.Inference.Tests;

public sealed class ClassificationEngineTests(TinyPackagesFixture packages) : IClassFixture<TinyPackagesFixture>
{
    private const float Tolerance = 1e-5f;

    [Fact]
    public async Task Classify_SingleLabelModel_ScoresAreASoftmaxOrderedByScoreWithTheArgMaxAsLabel()
    {
        await using var engine = await Engines.StartAsync(packages.Classifier);

        var result = Assert.Single(await engine.ClassifyAsync([Engines.Text(5)], topK: null, CancellationToken.None));

        Assert.Equal(TinyPackagesFixture.ClassifierLabels.Order(), result.Scores.Select(s => s.Label).Order());
        Assert.Equal(1.0, result.Scores.Sum(s => s.Score), 5);
        Assert.Equal(result.Scores.Select(s => s.Score).OrderDescending(), result.Scores.Select(s => s.Score));
        Assert.Equal(result.Scores[0].Label, result.Label);
        Assert.Equal(result.Scores[0].Score, result.Score);
        Assert.Null(result.Labels);
        Assert.False(result.Truncated);
    }

    [Fact]
    public async Task Classify_SingleLabelModel_ScoresMatchSoftmaxOfTheLogits()
    {
        await using var engine = await Engines.StartAsync(packages.Classifier);
        string[] texts = [Engines.Text(3), Engines.Text(9, seed: 2)];

        var results = await engine.ClassifyAsync(texts, topK: null, CancellationToken.None);
        var logits = await engine.GetLogitsAsync(texts, CancellationToken.None);

        for (var t = 0; t < texts.Length; t++)
        {
            var exp = logits[t].Select(l => Math.Exp(l)).ToArray();
            for (var i = 0; i < exp.Length; i++)
            {
                var label = TinyPackagesFixture.ClassifierLabels[i];
                Assert.Equal(exp[i] / exp.Sum(), results[t].Scores.Single(s => s.Label == label).Score, 5);
            }
        }
    }

    [Fact]
    public async Task Classify_MultiLabelModel_UsesASigmoidPerLabelAndListsEveryLabelAtTheThreshold()
    {
        await using var engine = await Engines.StartAsync(packages.MultiLabel);
        var texts = Enumerable.Range(0, 12).Select(i => Engines.Text(2 + i, seed: i)).ToArray();

        var results = await engine.ClassifyAsync(texts, topK: null, CancellationToken.None);
        var logits = await engine.GetLogitsAsync(texts, CancellationToken.None);

        for (var t = 0; t < texts.Length; t++)
        {
            for (var i = 0; i < TinyPackagesFixture.MultiLabels.Length; i++)
            {
                var label = TinyPackagesFixture.MultiLabels[i];
                Assert.Equal(1 / (1 + Math.Exp(-logits[t][i])), results[t].Scores.Single(s => s.Label == label).Score, 5);
            }

            var expected = results[t].Scores.Where(s => s.Score >= 0.5f).Select(s => s.Label);
            Assert.Equal(expected, results[t].Labels);
        }

        // Random weights still put some texts on each side of the threshold; otherwise the check above proves little.
        Assert.Contains(results, r => r.Labels!.Count > 0);
        Assert.Contains(results, r => r.Labels!.Count < TinyPackagesFixture.MultiLabels.Length);
    }

    [Fact]
    public async Task Classify_MultiLabelModelWithConfiguredThreshold_ListsLabelsAtThatThreshold()
    {
        var directory = Serverless.Testing.TinyModels.WriteClassifierPackage(
            packages.NewDirectory("threshold"), TinyPackagesFixture.MultiLabels, ModelConfig.MultiLabel, seed: 3, maxLength: 64);
        var config = PackageJson.Read<ModelConfig>(Path.Combine(directory, PackageFiles.Config));
        ModelPackageWriter.WriteConfig(directory, config with { Threshold = 0.0 });
        ModelPackageWriter.WriteManifest(directory, metrics: null, lineage: null);
        await using var engine = await Engines.StartAsync(ModelPackage.Open(directory));

        var result = Assert.Single(await engine.ClassifyAsync([Engines.Text(4)], topK: 1, CancellationToken.None));

        Assert.Single(result.Scores);
        Assert.Equal(result.Scores[0].Label, result.Labels![0]);
        Assert.Equal(TinyPackagesFixture.MultiLabels.Order(), result.Labels.Order());
    }

    [Fact]
    public async Task Classify_TopK_KeepsTheKHighestScores()
    {
        await using var engine = await Engines.StartAsync(packages.Classifier);
        var text = Engines.Text(6);

        var all = Assert.Single(await engine.ClassifyAsync([text], topK: null, CancellationToken.None));
        var top2 = Assert.Single(await engine.ClassifyAsync([text], topK: 2, CancellationToken.None));
        var top10 = Assert.Single(await engine.ClassifyAsync([text], topK: 10, CancellationToken.None));

        Assert.Equal(all.Scores.Take(2), top2.Scores);
        Assert.Equal(all.Scores, top10.Scores);
        Assert.Equal(all.Label, top2.Label);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public async Task Classify_TopKBelowOne_ThrowsInvalidRequest(int topK)
    {
        await using var engine = await Engines.StartAsync(packages.Classifier);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => engine.ClassifyAsync(["hello"], topK, CancellationToken.None));

        Assert.Equal(400, error.Status);
        Assert.Contains("topK", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Classify_TextLongerThanMaxLength_IsTruncatedAndFlagged()
    {
        await using var engine = await Engines.StartAsync(packages.Short);
        var tokenizer = BertTextTokenizer.Create(packages.Short);

        var results = await engine.ClassifyAsync([Engines.Text(14), Engines.Text(15), Engines.Text(40)], topK: null, CancellationToken.None);

        Assert.Equal(16, packages.Short.MaxLength);
        Assert.Equal(16, tokenizer.Tokenize(Engines.Text(14), 16).Length);
        Assert.Equal([false, true, true], results.Select(r => r.Truncated));
    }

    [Fact]
    public async Task Classify_BaseEncoder_ThrowsNotAClassifierSayingToTrainOne()
    {
        await using var engine = await Engines.StartAsync(packages.BaseEncoder);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => engine.ClassifyAsync(["hello"], null, CancellationToken.None));

        Assert.Equal(ServiceException.TypePrefix + "not-a-classifier", error.Type);
        Assert.Contains("train a classifier", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public async Task Classify_ModelWithNonFiniteLogits_ThrowsInvalidModelOutputNamingTheLabel(float bias)
    {
        var package = ModelPackage.Open(TinyModels.WriteKeywordClassifierPackage(packages.NewDirectory("broken"), headBias: [0f, bias]));
        await using var engine = await Engines.StartAsync(package);

        var error = await Assert.ThrowsAsync<InvalidModelOutputException>(() => engine.ClassifyAsync(["free money"], null, CancellationToken.None));

        Assert.Equal(422, error.Status);
        Assert.Equal(ServiceException.TypePrefix + "invalid-model-output", error.Type);
        Assert.Contains("'spam'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_GraphThatFailsItsWarmUpRun_IsRefusedAsAnInvalidModelWithTheReason()
    {
        var package = ModelPackage.Open(TinyModels.WriteFixedShapeClassifierPackage(packages.NewDirectory("reshape"), fixedInputs: false));

        var error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => Engines.StartAsync(package));

        Assert.Equal(422, error.Status);
        Assert.Contains("failed its warm-up run", error.Message, StringComparison.Ordinal);
        Assert.Contains("dynamic axes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmokeTest_GraphThatFailsItsWarmUpRun_IsRefusedAndAGoodOnePasses()
    {
        var broken = ModelPackage.Open(TinyModels.WriteFixedShapeClassifierPackage(packages.NewDirectory("reshape"), fixedInputs: false));
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        var error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => ClassificationEngine.SmokeTestAsync(broken, logger, CancellationToken.None));
        await ClassificationEngine.SmokeTestAsync(packages.Classifier, logger, CancellationToken.None);
        await ClassificationEngine.SmokeTestAsync(packages.BaseEncoder, logger, CancellationToken.None);

        Assert.Contains("failed its warm-up run", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Classify_NoTexts_ThrowsInvalidRequest()
    {
        await using var engine = await Engines.StartAsync(packages.Classifier);

        await Assert.ThrowsAsync<InvalidRequestException>(() => engine.ClassifyAsync([], null, CancellationToken.None));
    }

    [Fact]
    public async Task GetLogits_SameTexts_EqualADirectSessionRun()
    {
        await using var engine = await Engines.StartAsync(packages.Classifier);
        var texts = Enumerable.Range(0, 10).Select(i => Engines.Text(1 + (i * 5 % 23), seed: i)).ToArray();
        var tokenizer = BertTextTokenizer.Create(packages.Classifier);
        using var session = OnnxModelSession.Create(packages.Classifier, Engines.Cpu, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        var logits = await engine.GetLogitsAsync(texts, CancellationToken.None);
        var direct = session.Run(BatchEncoder.Pad([.. texts.Select(t => tokenizer.Tokenize(t, 64))], tokenizer.PadId), out var shape);

        Assert.Equal(texts.Length, logits.Count);
        for (var t = 0; t < texts.Length; t++)
        {
            for (var i = 0; i < shape[1]; i++)
            {
                Assert.Equal(direct[(t * shape[1]) + i], logits[t][i], Tolerance);
            }
        }
    }

    [Fact]
    public async Task Classify_ConcurrentCallers_EachGetsItsResultsInItsOwnOrder()
    {
        await using var engine = await Engines.StartAsync(packages.Classifier, new BatchingOptions { MaxBatchTexts = 8, MaxWaitMilliseconds = 5 });
        var requests = Enumerable.Range(0, 16)
            .Select(r => Enumerable.Range(0, 1 + (r % 5)).Select(i => Engines.Text(1 + ((r * 3 + i * 11) % 30), seed: r + i)).ToArray())
            .ToArray();
        var alone = new List<IReadOnlyList<float[]>>();
        foreach (var request in requests)
        {
            alone.Add(await engine.GetLogitsAsync(request, CancellationToken.None));
        }

        var together = await Task.WhenAll(requests.Select(r => Task.Run(() => engine.GetLogitsAsync(r, CancellationToken.None))));

        for (var r = 0; r < requests.Length; r++)
        {
            Assert.Equal(requests[r].Length, together[r].Count);
            for (var t = 0; t < requests[r].Length; t++)
            {
                Assert.Equal(alone[r][t], together[r][t], (a, b) => Math.Abs(a - b) <= Tolerance);
            }
        }

        Assert.True(engine.Statistics.LargestBatchTexts > 1, "Concurrent requests should have shared batches.");
    }

    [Fact]
    public async Task Classify_ManyTexts_NoBatchExceedsMaxBatchTexts()
    {
        await using var engine = await Engines.StartAsync(packages.Classifier, new BatchingOptions { MaxBatchTexts = 4, MaxWaitMilliseconds = 20 });

        var results = await engine.ClassifyAsync([.. Enumerable.Range(0, 21).Select(i => Engines.Text(5, seed: i))], null, CancellationToken.None);

        Assert.Equal(21, results.Count);
        var statistics = engine.Statistics;
        Assert.Equal(4, statistics.LargestBatchTexts);
        Assert.Equal(6, statistics.Batches);
        Assert.Equal(21, statistics.Texts);
    }

    [Fact]
    public async Task Classify_LongTexts_NoBatchExceedsMaxBatchTokens()
    {
        await using var engine = await Engines.StartAsync(packages.Classifier, new BatchingOptions { MaxBatchTexts = 32, MaxBatchTokens = 64, MaxWaitMilliseconds = 20 });

        // 18 words + [CLS] + [SEP] = 20 tokens: three texts fit in 64 tokens, a fourth would not.
        await engine.ClassifyAsync([.. Enumerable.Range(0, 10).Select(i => Engines.Text(18, seed: i))], null, CancellationToken.None);

        var statistics = engine.Statistics;
        Assert.Equal(60, statistics.LargestBatchTokens);
        Assert.Equal(3, statistics.LargestBatchTexts);
        Assert.Equal(4, statistics.Batches);
    }

    [Fact]
    public async Task Classify_TextsOfMixedLengths_GroupsThemWithLessPaddingThanArrivalOrder()
    {
        var batching = new BatchingOptions { MaxBatchTexts = 8, MaxWaitMilliseconds = 50 };
        await using var engine = await Engines.StartAsync(packages.Classifier, batching);
        var texts = Enumerable.Range(0, 64).Select(i => Engines.Text(i % 2 == 0 ? 1 + (i % 7) : 30 + (i % 20), seed: i)).ToArray();
        var tokenizer = BertTextTokenizer.Create(packages.Classifier);
        var arrivalOrder = texts.Select(t => tokenizer.Tokenize(t, 64)).Chunk(batching.MaxBatchTexts).ToArray();
        var arrivalPadding = 1.0 - ((double)arrivalOrder.Sum(c => c.Sum(t => t.Length)) / arrivalOrder.Sum(c => c.Length * c.Max(t => t.Length)));

        // Texts sorted by length and cut into full batches: a partition of least cost never computes more token positions.
        var sorted = texts.Select(t => tokenizer.Tokenize(t, 64)).OrderByDescending(t => t.Length).Chunk(batching.MaxBatchTexts).ToArray();
        var sortedPadding = 1.0 - ((double)sorted.Sum(c => c.Sum(t => t.Length)) / sorted.Sum(c => c.Length * c.Max(t => t.Length)));

        // One request: every text is in the generation the engine cuts, so the outcome does not depend on timing.
        await engine.ClassifyAsync(texts, null, CancellationToken.None);

        var grouped = engine.Statistics.PaddingShare;
        Assert.True(arrivalPadding > 0.4, $"The arrival order should waste much on padding ({arrivalPadding:P1}).");
        Assert.True(grouped <= sortedPadding + 1e-9, $"Grouped padding {grouped:P1} should be at most the sorted full batches' {sortedPadding:P1}.");
        Assert.True(grouped < arrivalPadding / 4, $"Grouped padding {grouped:P1} should be far below arrival-order padding {arrivalPadding:P1}.");
    }

    [Fact]
    public async Task Classify_QueueFull_CallersThatWaitForCapacity_AreAdmittedAsRoomFrees_AndAllComplete()
    {
        await using var engine = await Engines.StartAsync(packages.Classifier, new BatchingOptions { MaxBatchTexts = 2, MaxQueuedTexts = 4, MaxWaitMilliseconds = 50 });
        var requests = Enumerable.Range(0, 20).Select(r => Enumerable.Range(0, 1 + (r % 4)).Select(t => Engines.Text(2 + ((r + t) % 30), seed: r)).ToArray()).ToList();

        var results = await Task.WhenAll(requests.Select(r => Task.Run(() => engine.ClassifyAsync(r, null, waitForCapacity: true, CancellationToken.None))));

        Assert.Equal(requests.Select(r => r.Length), results.Select(r => r.Count));
        Assert.Equal(0, engine.Statistics.Rejected);
        Assert.Equal(requests.Sum(r => r.Length), engine.Statistics.Texts);
        Assert.Equal(0, engine.Statistics.QueuedTexts);
    }

    [Fact]
    public async Task Classify_MoreTextsThanTheQueueHolds_ThrowsPayloadTooLarge()
    {
        await using var engine = await Engines.StartAsync(packages.Classifier, new BatchingOptions { MaxQueuedTexts = 2 });

        await Assert.ThrowsAsync<PayloadTooLargeException>(() => engine.ClassifyAsync(["a", "b", "c"], null, CancellationToken.None));
    }

    [Fact]
    public async Task DisposeAsync_WithRequestQueued_FinishesItBeforeReturning()
    {
        var engine = await Engines.StartAsync(packages.Classifier, new BatchingOptions { MaxBatchTexts = 64, MaxWaitMilliseconds = 1000 });
        var queued = engine.ClassifyAsync([Engines.Text(3), Engines.Text(8)], null, CancellationToken.None);

        await engine.DisposeAsync();

        // The queued texts ran before DisposeAsync returned; the caller's own continuation may still be on its way.
        Assert.Equal(2, engine.Statistics.Texts);
        Assert.Equal(0, engine.Statistics.QueuedTexts);
        Assert.Equal(2, (await queued.WaitAsync(TimeSpan.FromSeconds(5))).Count);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => engine.ClassifyAsync(["hello"], null, CancellationToken.None));
    }

    [Fact]
    public async Task Classify_Batches_AreReportedOnTheHostsMetersTaggedWithTheModel()
    {
        var name = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        var sizes = new List<int>();
        var paddings = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == InferenceMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
        {
            if (instrument.Name == InferenceMetrics.BatchSize && HasModel(tags, name))
            {
                lock (sizes) { sizes.Add(value); }
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == InferenceMetrics.PaddingShare && HasModel(tags, name))
            {
                lock (paddings) { paddings.Add(value); }
            }
        });
        listener.Start();
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new InferenceMetrics(services.GetRequiredService<IMeterFactory>());
        await using var engine = await Engines.StartAsync(packages.Classifier, new BatchingOptions { MaxBatchTexts = 4, MaxWaitMilliseconds = 20 }, name: name, metrics: metrics);
        await using var unmeasured = await Engines.StartAsync(packages.Classifier, new BatchingOptions { MaxBatchTexts = 4, MaxWaitMilliseconds = 20 }, name: name);

        await unmeasured.ClassifyAsync([.. Enumerable.Range(0, 10).Select(i => Engines.Text(2 + i, seed: i))], null, CancellationToken.None);
        Assert.Empty(sizes);
        await engine.ClassifyAsync([.. Enumerable.Range(0, 10).Select(i => Engines.Text(2 + i, seed: i))], null, CancellationToken.None);

        Assert.Equal(3, sizes.Count);
        Assert.Equal(10, sizes.Sum());
        Assert.All(sizes, size => Assert.InRange(size, 1, 4));
        Assert.Equal(3, paddings.Count);
        Assert.All(paddings, p => Assert.InRange(p, 0, 0.5));
    }

    private static bool HasModel(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "model.name" && (string?)tag.Value == name)
            {
                return true;
            }
        }

        return false;
    }
}
