using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Training.FineTuning;

using static TorchSharp.torch;

namespace Serverless.Training.Tests.FineTuning;

[Collection(TorchSharpCollection.Name)]
public sealed class FineTunerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("finetuner-").FullName;

    public FineTunerTests() => set_num_threads(1);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Train_SeparableToyTask_ReachesFullValidationAccuracy()
    {
        using var model = ToyTask.Model();
        var tuner = new FineTuner(ToyTask.Hyperparameters(epochs: 4) with { LearningRate = 1e-2 }, CPU, NullLogger.Instance);
        var progress = new List<FineTuningProgress>();

        var result = await tuner.TrainAsync(model, ToyTask.Split(320, 1), ToyTask.Split(40, 2), ToyTask.Labels, 0,
            null, null, new SynchronousProgress<FineTuningProgress>(progress.Add), CancellationToken.None);

        var test = tuner.Evaluate(model, ToyTask.Split(100, 3), ToyTask.Labels, 0);
        Assert.True(test.Accuracy >= 0.97, $"test accuracy {test.Accuracy}");
        Assert.True(result.Best.ValidationMacroF1 >= 0.97, $"validation macro-F1 {result.Best.ValidationMacroF1}");
        Assert.True(result.Epochs[^1].TrainLoss < result.Epochs[0].TrainLoss / 4, $"loss {result.Epochs[0].TrainLoss} → {result.Epochs[^1].TrainLoss}");
        Assert.Equal(80, progress[^1].Steps);
        Assert.Equal(80, progress[^1].Step);
        Assert.NotNull(progress[^1].ValidationMacroF1);
    }

    [Theory]
    [InlineData(0)] // the first checkpoint is the end of epoch 1
    [InlineData(2)] // the first checkpoint is step 2 of epoch 1
    public async Task Train_InterruptedAtTheFirstCheckpointAndResumed_EndsWithTheLogitsOfAnUninterruptedRun(int checkpointEverySteps)
    {
        var train = ToyTask.Split(64, 1);
        var validation = ToyTask.Split(24, 2);
        var test = ToyTask.Split(24, 3);
        var hyperparameters = ToyTask.Hyperparameters(epochs: 3) with { CheckpointEverySteps = checkpointEverySteps };

        using var uninterrupted = ToyTask.Model();
        var tuner = new FineTuner(hyperparameters, CPU, NullLogger.Instance);
        await tuner.TrainAsync(uninterrupted, train, validation, ToyTask.Labels, 0, new TrainingCheckpoints(Path.Combine(_directory, "a")), null, null, CancellationToken.None);
        var expected = tuner.Predict(uninterrupted, test.Texts, 0);

        var checkpoints = Path.Combine(_directory, "b");
        using var cancellation = new CancellationTokenSource();
        using (var first = ToyTask.Model())
        {
            // Cancel as soon as the first checkpoint has been written: the process "dies" there.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new FineTuner(hyperparameters, CPU, NullLogger.Instance).TrainAsync(
                first, train, validation, ToyTask.Labels, 0, new TrainingCheckpoints(checkpoints),
                (_, _) => { cancellation.Cancel(); return Task.CompletedTask; }, null, cancellation.Token));
        }

        using var resumed = ToyTask.Model(seed: 99);
        var resumedTuner = new FineTuner(hyperparameters, CPU, NullLogger.Instance);
        var result = await resumedTuner.TrainAsync(resumed, train, validation, ToyTask.Labels, 0, new TrainingCheckpoints(checkpoints), null, null, CancellationToken.None);
        var actual = resumedTuner.Predict(resumed, test.Texts, 0);

        Assert.True(result.Resumed);
        Assert.Equal(3, result.Epochs.Count);
        var maxDiff = expected.Zip(actual).Max(p => p.First.Zip(p.Second).Max(v => Math.Abs(v.First - v.Second)));
        Assert.True(maxDiff <= 1e-4, $"max |diff| {maxDiff}");
    }

    [Fact]
    public async Task Train_WithEarlyStopping_RestoresTheBestEpochsWeights()
    {
        var hyperparameters = ToyTask.Hyperparameters(epochs: 4) with { EarlyStoppingPatience = 1, LearningRate = 3e-3 };
        using var model = ToyTask.Model();
        var tuner = new FineTuner(hyperparameters, CPU, NullLogger.Instance);
        var validation = ToyTask.Split(24, 2);

        var result = await tuner.TrainAsync(model, ToyTask.Split(64, 1), validation, ToyTask.Labels, 0,
            new TrainingCheckpoints(Path.Combine(_directory, "c")), null, null, CancellationToken.None);

        var report = tuner.Evaluate(model, validation, ToyTask.Labels, 0);
        Assert.Equal(result.Best.ValidationMacroF1, report.MacroF1, 6);
        Assert.Equal(result.Epochs.Max(e => e.ValidationMacroF1), result.Best.ValidationMacroF1);
    }

    [Fact]
    public void DataOrder_SameSeedAndEpoch_IsTheSamePermutation_OtherEpochsDiffer()
    {
        var lengths = Enumerable.Range(0, 50).Select(i => 5 + (i * 37 % 60)).ToArray();
        var order = FineTuner.DataOrder(lengths, 4, 42, 0);

        Assert.Equal(order, FineTuner.DataOrder(lengths, 4, 42, 0));
        Assert.NotEqual(order, FineTuner.DataOrder(lengths, 4, 42, 1));
        Assert.Equal(Enumerable.Range(0, 50), order.Order());
    }

    [Fact]
    public void DataOrder_TextsOfMixedLengths_FormsBatchesOfSimilarLengthThatPadFarLessThanAShuffle()
    {
        var random = new Random(3);
        var lengths = Enumerable.Range(0, 1003).Select(_ => random.Next(5, 257)).ToArray();
        const int batchSize = 16;
        var shuffled = Enumerable.Range(0, lengths.Length).OrderBy(_ => random.Next()).ToArray();

        var order = FineTuner.DataOrder(lengths, batchSize, 42, 0);

        Assert.Equal(Enumerable.Range(0, lengths.Length), order.Order());
        long Padding(int[] o) => o.Chunk(batchSize).Sum(b => ((long)b.Max(i => lengths[i]) * b.Length) - b.Sum(i => lengths[i]));
        Assert.True(Padding(order) < Padding(shuffled) / 4, $"grouped {Padding(order)}, shuffled {Padding(shuffled)}");
        // The batches' order is shuffled too, so they do not come longest first.
        var longest = order.Chunk(batchSize).Select(b => b.Max(i => lengths[i])).ToArray();
        Assert.False(longest.SequenceEqual(longest.OrderDescending()));
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
