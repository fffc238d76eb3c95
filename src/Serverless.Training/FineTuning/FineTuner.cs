using System.Globalization;
using System.Security.Cryptography;
using System.Text;

using Microsoft.Extensions.Logging;

using Serverless.Inference;
using Serverless.Training.Choices;
using Serverless.Training.Evaluation;

using TorchSharp;
using TorchSharp.Modules;

using static TorchSharp.torch;

namespace Serverless.Training.FineTuning;

/// <summary>
/// Fine-tunes a <see cref="BertClassifier"/>: AdamW (no decay on biases and LayerNorm), linear warmup then linear decay,
/// gradient clipping, optional class weights, early stopping on validation macro-F1 with the best epoch's weights
/// restored, and checkpoints after every epoch (and every <see cref="TrainingHyperparameters.CheckpointEverySteps"/>)
/// from which a restarted run continues exactly. Every step seeds torch from (seed, step) and every epoch's data order
/// comes from (seed, epoch), so a resumed run draws the same dropout masks and batches as an uninterrupted one.
/// Not thread-safe: one run per instance.
/// </summary>
public sealed class FineTuner(TrainingHyperparameters hyperparameters, Device device, ILogger logger)
{
    private const int EvaluationBatchSize = 64;

    private Dictionary<string, Tensor>? _bestInMemory;

    /// <summary>The peak learning rate: the hyperparameters' own, else the default.</summary>
    private double PeakLearningRate => hyperparameters.LearningRate ?? TrainingHyperparameters.DefaultLearningRate;

    /// <summary>The device the model trains on.</summary>
    public Device Device { get; } = device;

    /// <summary>
    /// Trains <paramref name="model"/> (already on <see cref="Device"/>) and leaves it holding the best epoch's weights,
    /// in eval mode. With <paramref name="checkpoints"/>, continues from their latest checkpoint when it belongs to the
    /// same job, and calls <paramref name="checkpointSaved"/> after each save (e.g. to upload it).
    /// </summary>
    public async Task<FineTuningResult> TrainAsync(
        BertClassifier model,
        EncodedSplit train,
        EncodedSplit validation,
        IReadOnlyList<string> labels,
        int padId,
        TrainingCheckpoints? checkpoints,
        Func<TrainingCheckpoints, CancellationToken, Task>? checkpointSaved,
        IProgress<FineTuningProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        if (train.Count == 0 || validation.Count == 0)
        {
            throw new ArgumentException("Training and validation splits must not be empty.", nameof(train));
        }

        var h = hyperparameters;
        var stepsPerEpoch = (train.Count + h.BatchSize - 1) / h.BatchSize;
        var totalSteps = stepsPerEpoch * h.Epochs;
        var warmupSteps = (int)Math.Round(h.WarmupRatio * totalSteps);
        var fingerprint = Fingerprint(model, train, validation, labels);

        using var optimizer = CreateOptimizer(model);
        using var classWeights = ClassWeightingRule.Decide(h.ClassWeights, train.Labels, labels.Count).Weighted ? ClassWeightsOf(train.Labels, labels.Count) : null;

        var state = checkpoints?.ReadState();
        var resumed = false;
        if (state is not null && state.Fingerprint == fingerprint)
        {
            checkpoints!.Load(state, model, optimizer);
            resumed = true;
            Log.Resumed(logger, state.Epoch + 1, state.StepInEpoch, state.GlobalStep);
        }
        else
        {
            if (state is not null)
            {
                Log.CheckpointIgnored(logger);
            }

            state = new CheckpointState { Fingerprint = fingerprint, Folder = StepFolder(0), Order = DataOrder(Lengths(train), h.BatchSize, h.Seed, 0) };
        }

        var stepLosses = new List<double>(state.StepLosses);
        var epochs = new List<EpochSummary>(state.Epochs);
        while (!state.Finished && state.Epoch < h.Epochs)
        {
            var epoch = state.Epoch;
            var epochLossSum = state.EpochLossSum;
            model.train();
            for (var step = state.StepInEpoch; step < stepsPerEpoch; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var globalStep = state.GlobalStep;
                var loss = TrainStep(model, optimizer, train, state.Order, step, globalStep, padId, classWeights,
                    LearningRate(globalStep, totalSteps, warmupSteps));
                stepLosses.Add(loss);
                epochLossSum += loss;
                state = state with { StepInEpoch = step + 1, GlobalStep = globalStep + 1, EpochLossSum = epochLossSum, StepLosses = stepLosses };
                progress?.Report(new FineTuningProgress(epoch + 1, h.Epochs, state.GlobalStep, totalSteps, epochLossSum / (step + 1),
                    epochs.LastOrDefault()?.ValidationAccuracy, epochs.LastOrDefault()?.ValidationMacroF1));

                if (checkpoints is not null && h.CheckpointEverySteps > 0 && (step + 1) % h.CheckpointEverySteps == 0 && step + 1 < stepsPerEpoch)
                {
                    state = state with { Folder = StepFolder(state.GlobalStep) };
                    await SaveAsync(checkpoints, state, model, optimizer, checkpointSaved, cancellationToken);
                }
            }

            var report = Evaluate(model, validation, labels, padId);
            model.train();
            var summary = new EpochSummary(epoch + 1, epochLossSum / stepsPerEpoch, report.Accuracy, report.MacroF1);
            epochs.Add(summary);
            Log.EpochDone(logger, epoch + 1, h.Epochs, summary.TrainLoss, report.Accuracy, report.MacroF1);
            progress?.Report(new FineTuningProgress(epoch + 1, h.Epochs, state.GlobalStep, totalSteps, summary.TrainLoss, report.Accuracy, report.MacroF1));

            var improved = report.MacroF1 > state.BestMacroF1;
            var bestWeights = state.BestWeights;
            if (improved && checkpoints is not null)
            {
                bestWeights = string.Create(CultureInfo.InvariantCulture, $"best-epoch-{epoch + 1}.bin");
                checkpoints.SaveBestWeights(bestWeights, model);
            }

            var withoutImprovement = improved ? 0 : state.EpochsWithoutImprovement + 1;
            var stop = h.EarlyStoppingPatience > 0 && withoutImprovement >= h.EarlyStoppingPatience;
            state = state with
            {
                Epoch = epoch + 1,
                StepInEpoch = 0,
                EpochLossSum = 0,
                Order = DataOrder(Lengths(train), h.BatchSize, h.Seed, epoch + 1),
                Epochs = epochs,
                BestEpoch = improved ? epoch + 1 : state.BestEpoch,
                BestMacroF1 = improved ? report.MacroF1 : state.BestMacroF1,
                BestWeights = bestWeights,
                EpochsWithoutImprovement = withoutImprovement,
                StoppedEarly = stop && epoch + 1 < h.Epochs,
                Finished = stop || epoch + 1 == h.Epochs,
                Folder = StepFolder(state.GlobalStep),
            };

            if (checkpoints is null && improved)
            {
                // Without a checkpoint folder the best weights stay in memory.
                KeepBestInMemory(model);
            }

            if (checkpoints is not null)
            {
                await SaveAsync(checkpoints, state, model, optimizer, checkpointSaved, cancellationToken);
            }

            if (stop)
            {
                Log.StoppedEarly(logger, epoch + 1, state.BestEpoch);
                break;
            }
        }

        RestoreBest(model, checkpoints, state);
        model.eval();
        return new FineTuningResult(state.BestEpoch, epochs, stepLosses, state.StoppedEarly, resumed);
    }

    /// <summary>
    /// Logits of <paramref name="texts"/> in eval mode without gradients, in input order. Batches are formed by length
    /// so little padding is computed.
    /// </summary>
    public float[][] Predict(BertClassifier model, IReadOnlyList<Serverless.Inference.Tokenization.TokenizedText> texts, int padId)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(texts);
        var logits = new float[texts.Count][];
        var byLength = Enumerable.Range(0, texts.Count).OrderBy(i => texts[i].Length).ToArray();
        model.eval();
        using var noGrad = no_grad();
        for (var start = 0; start < byLength.Length; start += EvaluationBatchSize)
        {
            using var scope = NewDisposeScope();
            var indices = byLength.AsSpan(start, Math.Min(EvaluationBatchSize, byLength.Length - start)).ToArray();
            var (ids, mask, types) = ToTensors(BatchEncoder.Pad(indices.Select(i => texts[i]).ToArray(), padId));
            var output = model.call(ids, mask, types).cpu();
            var values = output.data<float>().ToArray();
            var width = (int)output.shape[1];
            for (var row = 0; row < indices.Length; row++)
            {
                logits[indices[row]] = values.AsSpan(row * width, width).ToArray();
            }
        }

        return logits;
    }

    /// <summary>Accuracy, macro-F1, per-class metrics and confusion matrix of <paramref name="split"/>.</summary>
    public ClassificationReport Evaluate(BertClassifier model, EncodedSplit split, IReadOnlyList<string> labels, int padId)
    {
        ArgumentNullException.ThrowIfNull(split);
        var predicted = Predict(model, split.Texts, padId).Select(l => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(l)).ToArray();
        return ClassificationMetrics.Compute(labels, split.Labels, predicted);
    }

    private double TrainStep(
        BertClassifier model, OptimizerHelper optimizer, EncodedSplit train, IReadOnlyList<int> order, int step, int globalStep,
        int padId, Tensor? classWeights, double learningRate)
    {
        using var scope = NewDisposeScope();
        SeedStep(globalStep);
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = learningRate;
        }

        var h = hyperparameters;
        var count = Math.Min(h.BatchSize, train.Count - (step * h.BatchSize));
        var indices = Enumerable.Range(step * h.BatchSize, count).Select(i => order[i]).ToArray();
        var (ids, mask, types) = ToTensors(BatchEncoder.Pad(indices.Select(i => train.Texts[i]).ToArray(), padId));
        var target = tensor(indices.Select(i => (long)train.Labels[i]).ToArray(), device: Device);

        optimizer.zero_grad();
        var logits = model.call(ids, mask, types);
        var loss = nn.functional.cross_entropy(logits, target, classWeights);
        loss.backward();
        nn.utils.clip_grad_norm_(model.parameters(), h.MaxGradNorm);
        optimizer.step();
        return loss.item<float>();
    }

    private (Tensor Ids, Tensor Mask, Tensor Types) ToTensors(EncodedBatch batch)
    {
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        return (
            tensor(batch.InputIds.AsSpan(0, batch.ElementCount).ToArray(), shape, device: Device),
            tensor(batch.AttentionMask.AsSpan(0, batch.ElementCount).ToArray(), shape, device: Device),
            tensor(batch.TokenTypeIds.AsSpan(0, batch.ElementCount).ToArray(), shape, device: Device));
    }

    private AdamW CreateOptimizer(BertClassifier model)
    {
        var h = hyperparameters;
        var parameters = model.named_parameters().ToList();
        static bool Decays(string name) => !name.EndsWith(".bias", StringComparison.Ordinal) && !name.Contains("LayerNorm", StringComparison.Ordinal);
        return optim.AdamW(
            [
                new AdamW.ParamGroup(parameters.Where(p => Decays(p.name)).Select(p => p.parameter), PeakLearningRate, weight_decay: h.WeightDecay),
                new AdamW.ParamGroup(parameters.Where(p => !Decays(p.name)).Select(p => p.parameter), PeakLearningRate, weight_decay: 0.0),
            ],
            PeakLearningRate);
    }

    private Tensor ClassWeightsOf(IReadOnlyList<int> trainLabels, int labelCount) =>
        tensor(ClassWeightingRule.BalancedWeights(trainLabels, labelCount).Select(w => (float)w).ToArray(), device: Device);

    private double LearningRate(int step, int totalSteps, int warmupSteps)
    {
        var factor = step < warmupSteps
            ? (double)(step + 1) / warmupSteps
            : Math.Max(0.0, (double)(totalSteps - step) / Math.Max(1, totalSteps - warmupSteps));
        return PeakLearningRate * factor;
    }

    private void SeedStep(int globalStep)
    {
        var seed = StepSeed(hyperparameters.Seed, globalStep);
        manual_seed(seed);
        if (Device.type == DeviceType.CUDA)
        {
            cuda.manual_seed_all(seed);
        }
    }

    private static long StepSeed(int seed, int step) => ((long)seed * 1_000_003L) + step;

    /// <summary>The data order of an epoch: a Fisher-Yates shuffle seeded from (seed, epoch).</summary>
    /// <summary>
    /// The order of the training examples in an epoch, drawn from (seed, epoch): a shuffle, then — as Hugging Face's
    /// group_by_length does — each run of <see cref="LengthGroupBatches"/> batches sorted by length and cut into batches
    /// whose order is shuffled again, so a batch holds texts of similar length and pads little (on variable-length data
    /// this halves a CPU epoch or better) while every batch is still a random draw. A last, partial batch stays last.
    /// </summary>
    internal static int[] DataOrder(IReadOnlyList<int> lengths, int batchSize, int seed, int epoch)
    {
        var count = lengths.Count;
        var random = new Random((int)((((long)seed * 1_000_003L) + epoch) & int.MaxValue));
        var order = Enumerable.Range(0, count).ToArray();
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var group = batchSize * LengthGroupBatches;
        for (var start = 0; start < count; start += group)
        {
            Array.Sort(order, start, Math.Min(group, count - start), Comparer<int>.Create((a, b) => lengths[b].CompareTo(lengths[a])));
        }

        var batches = order.Chunk(batchSize).ToArray();
        var full = count % batchSize == 0 ? batches.Length : batches.Length - 1;
        for (var i = full - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (batches[i], batches[j]) = (batches[j], batches[i]);
        }

        return batches.SelectMany(b => b).ToArray();
    }

    /// <summary>Batches per length-sorted group of <see cref="DataOrder"/>.</summary>
    internal const int LengthGroupBatches = 50;

    private static int[] Lengths(EncodedSplit split) => split.Texts.Select(t => t.Ids.Length).ToArray();

    private string Fingerprint(BertClassifier model, EncodedSplit train, EncodedSplit validation, IReadOnlyList<string> labels)
    {
        var text = new StringBuilder();
        text.Append(System.Text.Json.JsonSerializer.Serialize(hyperparameters with { CheckpointEverySteps = 0 }, TrainingJob.JsonOptions));
        text.Append('|').Append(string.Join(',', labels)).Append('|').Append(model.Config.HiddenSize).Append('x').Append(model.Config.NumHiddenLayers);
        foreach (var split in new[] { train, validation })
        {
            text.Append('|').Append(split.Count);
            for (var i = 0; i < split.Count; i++)
            {
                text.Append(';').Append(split.Labels[i]).Append(':').AppendJoin(',', split.Texts[i].Ids);
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string StepFolder(int globalStep) => string.Create(CultureInfo.InvariantCulture, $"step-{globalStep:D8}");

    private async Task SaveAsync(
        TrainingCheckpoints checkpoints, CheckpointState state, BertClassifier model, OptimizerHelper optimizer,
        Func<TrainingCheckpoints, CancellationToken, Task>? checkpointSaved, CancellationToken cancellationToken)
    {
        checkpoints.Save(state, model, optimizer);
        Log.CheckpointSaved(logger, state.Epoch, state.StepInEpoch, state.GlobalStep);
        if (checkpointSaved is not null)
        {
            await checkpointSaved(checkpoints, cancellationToken);
        }
    }

    private void KeepBestInMemory(BertClassifier model)
    {
        if (_bestInMemory is not null)
        {
            foreach (var t in _bestInMemory.Values)
            {
                t.Dispose();
            }
        }

        _bestInMemory = model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
    }

    private void RestoreBest(BertClassifier model, TrainingCheckpoints? checkpoints, CheckpointState state)
    {
        if (checkpoints is not null && state.BestWeights is not null)
        {
            checkpoints.LoadBestWeights(state.BestWeights, model);
        }
        else if (_bestInMemory is not null)
        {
            model.load_state_dict(_bestInMemory);
            foreach (var t in _bestInMemory.Values)
            {
                t.Dispose();
            }

            _bestInMemory = null;
        }
    }
}
