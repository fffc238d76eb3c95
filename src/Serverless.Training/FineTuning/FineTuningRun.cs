using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

using Microsoft.Extensions.Logging;

using Serverless.Errors;
using Serverless.Inference.Tokenization;
using Serverless.Onnx;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Registry;
using Serverless.Training.Cards;
using Serverless.Training.Choices;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;
using Serverless.Training.HeadOnly;

using TorchSharp;

using static TorchSharp.torch;

namespace Serverless.Training.FineTuning;

/// <summary>
/// One training run, start to end: reads the job, validates and splits the data, then either fine-tunes (imports the base
/// encoder's weights, trains resuming from the last checkpoint, evaluates on the test split, exports ONNX, proves parity
/// with the serving engine) or trains a head on frozen embeddings; writes the candidate package with metrics and model
/// card; scores the candidate and the production version on the same test split with the serving engine
/// (evaluation.json); and reports status (with progress in either mode) and the end-of-run event. A failure is reported
/// as status Failed with the reason and a Failed event, retried while storage fails transiently; cancellation (the
/// container being stopped) and storage that cannot be reached report nothing, so a restarted run resumes. A run whose
/// status.json says it ended (Succeeded or Failed) is never run again: a restarted trainer posts its event once more and
/// returns that status, because the job's replica retry restarts a trainer whatever made it exit.
/// </summary>
public sealed class FineTuningRun(ITrainingRunStore store, FineTuningRunOptions options, ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<FineTuningRun>();
    private string _runId = "";
    private string _device = "cpu";
    private JsonObject? _lastMetrics;
    private FineTuningProgress? _lastProgress;
    private IReadOnlyDictionary<string, HyperparameterChoice>? _choices;
    private TrainingTimeEstimate? _estimate;

    /// <summary>
    /// Runs the job; returns the final status (Succeeded or Failed), already written with its event, or the status an
    /// earlier attempt ended the run with. Throws on cancellation, when storage cannot be reached (nothing is recorded, so
    /// a restart resumes), and when even the failure cannot be reported.
    /// </summary>
    public async Task<TrainingRunStatus> RunAsync(IProgress<FineTuningProgress>? progress, CancellationToken cancellationToken)
    {
        TrainingJob? job = null;
        try
        {
            job = await store.ReadJobAsync(cancellationToken);
            _runId = job.RunId;
            if (await store.ReadStatusAsync(cancellationToken) is { HasEnded: true } ended)
            {
                // The earlier attempt may have stopped between status.json and the event; a second event is harmless.
                Log.AlreadyEnded(_logger, _runId, ended.Status);
                await ReportAsync(token => store.PostEventAsync(new TrainingEvent(_runId, ended.Status, ended.Error), token), cancellationToken);
                return ended;
            }

            return await RunJobAsync(job, progress, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (IsTransient(ex, cancellationToken))
        {
            // Not a failure of the run: recorded as Failed, it would never be retried.
            Log.StorageUnavailable(_logger, ex, _runId, Describe(ex));
            throw;
        }
        catch (Exception ex)
        {
            var error = Describe(ex);
            Log.Failed(_logger, ex, _runId, error);
            var failed = new TrainingRunStatus
            {
                Id = _runId,
                Status = TrainingRunOutcome.Failed,
                Stage = "failed",
                Error = error,
                Device = _device,
                Metrics = _lastMetrics,
                Choices = _choices,
                UpdatedAt = DateTimeOffset.UtcNow,
            };
            await ReportAsync(token => store.WriteStatusAsync(failed, token), cancellationToken);
            await ReportAsync(token => store.PostEventAsync(new TrainingEvent(_runId, TrainingRunOutcome.Failed, error), token), cancellationToken);
            return failed;
        }
    }

    private async Task<TrainingRunStatus> RunJobAsync(TrainingJob job, IProgress<FineTuningProgress>? progress, CancellationToken cancellationToken)
    {
        var h = job.Hyperparameters;
        await WriteStatusAsync("preparing", null, cancellationToken);

        // Data: validate and split before anything heavy, so bad data fails in seconds.
        var fields = DatasetFields.Of(job);
        var train = await store.ReadDatasetAsync(job.Dataset, fields, cancellationToken);
        var validation = job.ValidationDataset is null ? null : await store.ReadDatasetAsync(job.ValidationDataset, fields, cancellationToken);
        var test = job.TestDataset is null ? null : await store.ReadDatasetAsync(job.TestDataset, fields, cancellationToken);
        var splits = DatasetSplitter.Prepare(train, validation, test, new SplitOptions(Seed: h.Seed));
        var baseReference = job.Base ?? options.DefaultBase;
        var basePackage = await store.GetBaseAsync(baseReference, cancellationToken);
        var candidate = Path.Combine(options.WorkDirectory, "candidate");
        var candidates = Path.Combine(options.WorkDirectory, "candidates");
        foreach (var folder in new[] { candidate, candidates })
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        // Head-only training embeds on the CPU; full fine-tuning trains where the device setting puts it.
        var trainsHead = h.Mode != TrainingHyperparameters.FullMode;
        var fineTunes = h.Mode != TrainingHyperparameters.HeadMode;
        var device = fineTunes ? SelectDevice() : null;
        var choices = TrainingChoices.Decide(h, splits, basePackage, onCpu: _device == "cpu");
        _choices = choices.ToDictionary(fineTunes);
        _estimate = new TrainingTimeEstimate(splits.Train.Count, splits.Validation.Count, h.Epochs, choices.LearningRates.Rates.Count, fullFollowsHead: trainsHead && fineTunes);
        Log.Chose(_logger, h.Mode, choices.MaxLength.MaxLength, choices.MaxLength.Reason, choices.ClassWeights.Weighted, choices.ClassWeights.Reason,
            fineTunes ? string.Join(", ", choices.LearningRates.Rates.Select(r => r.ToString("G3", CultureInfo.InvariantCulture))) : "none (head only)");
        await WriteStatusAsync("preparing", null, cancellationToken);

        // A classifier base gives its encoder (the same weights full fine-tuning starts from) for the head-only baseline.
        CandidateModel? head = null;
        if (trainsHead)
        {
            var encoder = ClassifierEncoder.EncoderOf(basePackage, Path.Combine(options.WorkDirectory, "encoder"));
            head = await TrainHeadAsync(job, splits, encoder, baseReference, Path.Combine(candidates, TrainingHyperparameters.HeadMode), choices, progress, cancellationToken);
            _lastMetrics = new JsonObject { [TrainingHyperparameters.HeadMode] = head.Summary() };
        }

        CandidateModel? full = null;
        if (fineTunes)
        {
            (full, choices) = await FineTuneAsync(job, train, splits, basePackage, baseReference, Path.Combine(candidates, TrainingHyperparameters.FullMode),
                device!, choices, progress, cancellationToken);
            _choices = choices.ToDictionary();
        }

        var selection = ModeSelection.Choose(head, full, job.Gate.Metric);
        Log.Kept(_logger, selection.Kept.Mode, selection.Reason);
        Directory.Move(selection.Kept.Directory, candidate);
        var metrics = selection.Kept.Metrics;
        if (h.Mode == TrainingHyperparameters.AutoMode)
        {
            // The card and the manifest of the kept package show both modes; the manifest is written again, last.
            metrics["selection"] = selection.ToJson();
            var lineage = selection.Kept.Lineage with { Choices = _choices };
            foreach (var (path, bytes) in ModelCard.Create(selection.Kept.Card with { Selection = selection, Choices = _choices }))
            {
                var file = Path.Combine(candidate, path);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                await File.WriteAllBytesAsync(file, bytes, cancellationToken);
            }

            ModelPackageWriter.WriteManifest(candidate, metrics, lineage);
        }

        _lastMetrics = metrics;
        await WriteStatusAsync("evaluating", metrics, cancellationToken);
        var evaluation = await EvaluateAsync(job, splits.Test, candidate, cancellationToken);
        await store.WriteEvaluationAsync(evaluation, cancellationToken);
        metrics["evaluation"] = JsonSerializer.SerializeToNode(evaluation, TrainingJob.JsonOptions);
        Log.Evaluated(_logger, evaluation.Texts, evaluation.Device, evaluation.Candidate.MacroF1,
            evaluation.Production?.Version, evaluation.Production?.MacroF1, evaluation.ProductionSkipped);

        await WriteStatusAsync("packaging", metrics, cancellationToken);
        var location = await store.SaveCandidateAsync(candidate, cancellationToken);
        var done = new TrainingRunStatus
        {
            Id = job.RunId,
            Status = TrainingRunOutcome.Succeeded,
            Stage = "done",
            Progress = _lastProgress is null ? null : _lastProgress with { SecondsLeft = 0 },
            Metrics = metrics,
            Candidate = location,
            Choices = _choices,
            Device = _device,
            UpdatedAt = DateTimeOffset.UtcNow,
        };
        await store.WriteStatusAsync(done, cancellationToken);
        await store.PostEventAsync(new TrainingEvent(job.RunId, TrainingRunOutcome.Succeeded, null), cancellationToken);
        Log.Succeeded(_logger, job.RunId, metrics["accuracy"]!.GetValue<double>(), metrics["macro_f1"]!.GetValue<double>());
        return done;
    }

    private async Task<CandidateModel> TrainHeadAsync(
        TrainingJob job, DatasetSplits splits, ModelPackage encoder, string baseReference, string directory, TrainingChoices choices,
        IProgress<FineTuningProgress>? progress, CancellationToken cancellationToken)
    {
        // Head-only training (frozen embeddings, ONNX Runtime on the CPU) has its own trainer and serving check.
        await WriteStatusAsync("training", _lastMetrics, cancellationToken);
        var statusProgress = new StatusProgress(this, progress, options.StatusInterval);
        var headProgress = new HeadProgress(statusProgress);
        var result = await new HeadOnlyTrainer(loggerFactory).TrainAsync(new HeadTrainingJob
        {
            ModelName = job.Model,
            BasePackage = encoder,
            BaseReference = baseReference,
            Data = splits,
            Options = new HeadTrainingOptions { MaxLength = choices.MaxLength.MaxLength, BalanceClasses = choices.ClassWeights.Weighted },
            Choices = choices.ToDictionary(fineTunes: false),
            SliceField = job.SliceField,
            SplitSeed = job.ValidationDataset is null || job.TestDataset is null ? job.Hyperparameters.Seed : null,
            RunId = job.RunId,
            SelectionMetric = job.Gate.Metric,
        }, directory, headProgress, cancellationToken);
        await statusProgress.FlushAsync(cancellationToken);
        var metrics = result.Manifest.Metrics?.DeepClone().AsObject() ?? result.Test.ToJson();
        return new CandidateModel(TrainingHyperparameters.HeadMode, directory, result.Validation, result.UncalibratedValidation, result.Test, metrics, result.Lineage, result.Card);
    }

    private async Task<(CandidateModel Candidate, TrainingChoices Choices)> FineTuneAsync(
        TrainingJob job, LabelledDataset train, DatasetSplits splits, ModelPackage basePackage, string baseReference, string directory,
        Device device, TrainingChoices choices, IProgress<FineTuningProgress>? progress, CancellationToken cancellationToken)
    {
        var labels = splits.Labels;
        var metric = job.Gate.Metric;
        var tokenizer = BertTextTokenizer.Create(basePackage);
        var maxLength = choices.MaxLength.MaxLength;
        var trainSplit = Encode(tokenizer, splits.Train, labels, maxLength);
        var validationSplit = Encode(tokenizer, splits.Validation, labels, maxLength);
        var testSplit = Encode(tokenizer, splits.Test, labels, maxLength);

        // Build on the CPU, load the base weights, then move to the device.
        var weights = OnnxBertWeightsReader.Read(basePackage.ModelPath);
        var encoderConfig = basePackage.Config;
        var checkpointDirectory = Path.Combine(options.WorkDirectory, "checkpoints");
        await store.RestoreCheckpointsAsync(checkpointDirectory, cancellationToken);
        var statusProgress = new StatusProgress(this, progress, options.StatusInterval);
        await WriteStatusAsync("training", _lastMetrics, cancellationToken);

        // One training per learning rate tried; the best on the validation metric is kept, the others disposed.
        var rates = choices.LearningRates.Rates;
        var trials = new List<(double Rate, double Validation, int BestEpoch)>();
        FineTunedTrial? best = null;
        try
        {
            for (var t = 0; t < rates.Count; t++)
            {
                var h = choices.ApplyTo(job.Hyperparameters) with { LearningRate = rates[t] };
                var trainingConfig = h.Dropout is { } dropout
                    ? encoderConfig with { HiddenDropoutProb = dropout, AttentionProbsDropoutProb = dropout }
                    : encoderConfig;
                var model = new BertClassifier(trainingConfig, labels.Count, h.Pooling, h.Seed);
                // A classifier base keeps its head only when it has exactly these labels in this order.
                model.LoadWeights(weights, includeHead: encoderConfig.LabelsInOrder().SequenceEqual(labels));
                model.to(device);
                var name = string.Create(CultureInfo.InvariantCulture, $"trial-{t + 1}");
                var checkpoints = new TrainingCheckpoints(Path.Combine(checkpointDirectory, name), name);
                var tuner = new FineTuner(h, device, loggerFactory.CreateLogger<FineTuner>());
                var stopwatch = Stopwatch.StartNew();
                statusProgress.StartPhase();
                var result = await tuner.TrainAsync(model, trainSplit, validationSplit, labels, tokenizer.PadId, checkpoints,
                    store.SaveCheckpointsAsync, new TrialProgress(statusProgress, t + 1, rates.Count, rates[t]), cancellationToken);
                var trial = new FineTunedTrial(h, model, tuner, result, tuner.Evaluate(model, validationSplit, labels, tokenizer.PadId), stopwatch.Elapsed.TotalSeconds);
                var value = trial.Validation.Get(metric);
                trials.Add((rates[t], value, result.BestEpoch));
                Log.Trial(_logger, t + 1, rates.Count, rates[t], metric, value, result.BestEpoch);
                if (best is null || value > best.Validation.Get(metric))
                {
                    best?.Model.Dispose();
                    best = trial;
                }
                else
                {
                    model.Dispose();
                }
            }

            await statusProgress.FlushAsync(cancellationToken);
            var outcome = trials.Count == 1
                ? string.Create(CultureInfo.InvariantCulture, $"validation {metric} {trials[0].Validation:0.0000}")
                : "validation " + metric + " by rate: " + string.Join(", ", trials.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Rate:G3} → {x.Validation:0.0000}")));
            choices = choices with { KeptLearningRate = (best!.Hyperparameters.LearningRate!.Value, outcome) };
            _choices = choices.ToDictionary();
            return (await ExportAsync(job, train, splits, basePackage, baseReference, directory, best, tokenizer, validationSplit, testSplit, trials.Count, cancellationToken), choices);
        }
        finally
        {
            best?.Model.Dispose();
        }
    }

    private async Task<CandidateModel> ExportAsync(
        TrainingJob job, LabelledDataset train, DatasetSplits splits, ModelPackage basePackage, string baseReference, string directory,
        FineTunedTrial trial, BertTextTokenizer tokenizer, EncodedSplit validationSplit, EncodedSplit testSplit, int trialCount,
        CancellationToken cancellationToken)
    {
        var (h, model, tuner, result) = (trial.Hyperparameters, trial.Model, trial.Tuner, trial.Result);
        var labels = splits.Labels;
        var maxLength = h.MaxLength!.Value;
        await WriteStatusAsync("evaluating", _lastMetrics, cancellationToken);

        // The decision is calibrated on validation and folded into the exported head's bias; parity covers it.
        var rawValidationLogits = tuner.Predict(model, validationSplit.Texts, tokenizer.PadId);
        var offsets = DecisionCalibration.Fit(labels, rawValidationLogits, validationSplit.Labels, job.Gate.Metric);
        var validationLogits = DecisionCalibration.Apply(rawValidationLogits, offsets.Offsets);
        var validationReport = ClassificationMetrics.Compute(labels, validationSplit.Labels, validationLogits.Select(l => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(l)).ToArray());
        var rawTestLogits = tuner.Predict(model, testSplit.Texts, tokenizer.PadId);
        var testBefore = ClassificationMetrics.Compute(labels, testSplit.Labels, rawTestLogits.Select(l => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(l)).ToArray());
        var testLogits = DecisionCalibration.Apply(rawTestLogits, offsets.Offsets);
        var testReport = ClassificationMetrics.Compute(labels, testSplit.Labels, testLogits.Select(l => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(l)).ToArray());
        var diagnostics = TestSplitDiagnostics.Compute(labels, splits.Test, testLogits, job.SliceField, testReport);
        var metrics = testReport.ToJson();
        metrics["validation"] = validationReport.ToJson();
        metrics["best_epoch"] = result.BestEpoch;
        metrics["training_seconds"] = Math.Round(trial.Seconds, 1);
        metrics[DecisionOffsets.MetricsKey] = offsets.ToJson();
        diagnostics.AddTo(metrics);

        await WriteStatusAsync("exporting", _lastMetrics, cancellationToken);
        var encoderConfig = basePackage.Config;
        var exportConfig = model.ExportConfig(labels) with
        {
            HiddenDropoutProb = encoderConfig.HiddenDropoutProb,
            AttentionProbsDropoutProb = encoderConfig.AttentionProbsDropoutProb,
        };
        var exported = model.ToWeights();
        var bias = exported["classifier.bias"];
        exported.Set("classifier.bias", bias.Data.Select((b, k) => b + offsets.Offsets[k]).ToArray(), bias.Shape);
        var onnx = BertOnnxWriter.Write(exportConfig, exported);
        var hyperparameters = JsonSerializer.SerializeToNode(h, TrainingJob.JsonOptions)!.AsObject();
        hyperparameters["best_epoch"] = result.BestEpoch;
        hyperparameters["logit_offsets"] = offsets.ToJson()["offsets"]!.DeepClone();
        var lineage = new Lineage
        {
            Base = baseReference,
            Dataset = job.Dataset,
            DatasetSha256 = train.Sha256,
            TrainingMode = TrainingHyperparameters.FullMode,
            Hyperparameters = hyperparameters,
            Choices = _choices,
            RunId = job.RunId,
        };
        var card = new ModelCardContent
        {
            ModelName = job.Model,
            TrainingMode = TrainingHyperparameters.FullMode,
            Base = baseReference,
            Data = splits,
            TestMetrics = testReport,
            ValidationMetrics = validationReport,
            Diagnostics = diagnostics,
            Offsets = offsets,
            TestMetricsBeforeOffsets = testBefore,
            Hyperparameters = hyperparameters.DeepClone().AsObject(),
            Loss = LossCurve(result, splits.Train.Count, h.BatchSize),
            ValidationCurve = result.Epochs.Select(e => new EpochMetrics(e.Epoch, e.ValidationAccuracy, e.ValidationMacroF1, e.TrainLoss)).ToArray(),
            Choices = _choices,
            Notes = [string.Create(CultureInfo.InvariantCulture,
                $"Best epoch {result.BestEpoch} of {result.Epochs.Count}{(result.StoppedEarly ? " (stopped early)" : "")} at learning rate {h.LearningRate:G3}{(trialCount > 1 ? $" (best of {trialCount} trials)" : "")}; trained on {_device} in {trial.Seconds:F0} s.")],
            RunId = job.RunId,
        };
        ModelPackageWriter.Write(directory, new ModelPackageContent
        {
            Model = onnx,
            Vocab = File.ReadAllLines(basePackage.VocabPath).Where(l => l.Length > 0).ToArray(),
            TokenizerConfig = basePackage.TokenizerConfig with { ModelMaxLength = maxLength },
            Config = exportConfig,
            ExtraFiles = ModelCard.Create(card),
            Metrics = metrics,
            Lineage = lineage,
        });

        await WriteStatusAsync("parity", _lastMetrics, cancellationToken);
        var parity = await ParityGate.CheckAsync(ModelPackage.Open(directory), splits.Validation.Select(e => e.Text).ToArray(),
            validationLogits, intraOpThreads: 0, loggerFactory, cancellationToken);
        metrics["parity"] = parity.ToJson();
        Log.Parity(_logger, parity.Texts, parity.MaxAbsoluteDifference, parity.ArgMaxMismatches);
        if (!parity.Passed)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"The exported ONNX model does not compute what the trained model computes: over {parity.Texts} validation texts the largest logit difference is {parity.MaxAbsoluteDifference:G3} (allowed {parity.Tolerance:G1}) and {parity.ArgMaxMismatches} predictions differ. The candidate was not stored."));
        }

        // The manifest records the parity figures too; rewriting it keeps it the last file written.
        ModelPackageWriter.WriteManifest(directory, metrics, lineage);
        await Int8VariantGate.ApplyAsync(directory, splits.Validation, loggerFactory, cancellationToken);
        Log.FineTuned(_logger, result.BestEpoch, result.Epochs.Count, trial.Seconds);
        return new CandidateModel(TrainingHyperparameters.FullMode, directory, validationReport, trial.Validation, testReport, metrics, lineage, card);
    }

    private async Task<TrainingEvaluation> EvaluateAsync(
        TrainingJob job, IReadOnlyList<LabelledExample> test, string candidate, CancellationToken cancellationToken)
    {
        var production = await store.GetProductionAsync(job.Model, cancellationToken);
        // The engine runs where serving would: CUDA when it loads (the device is recorded), the CPU when asked for.
        var device = options.Device == "cpu" ? InferenceDevice.Cpu : InferenceDevice.Auto;
        return await ServingEvaluation.EvaluateAsync(job.Model, ModelPackage.Open(candidate), production, test, device, loggerFactory, cancellationToken);
    }

    private Task WriteStatusAsync(string stage, JsonObject? metrics, CancellationToken cancellationToken) =>
        store.WriteStatusAsync(new TrainingRunStatus
        {
            Id = _runId,
            Status = TrainingRunOutcome.Running,
            Stage = stage,
            Progress = _lastProgress,
            Metrics = metrics?.DeepClone().AsObject(),
            Choices = _choices,
            Device = _device,
            UpdatedAt = DateTimeOffset.UtcNow,
        }, cancellationToken);

    private Device SelectDevice()
    {
        var useCuda = options.Device switch
        {
            "cuda" => cuda.is_available() ? true : throw new InvalidOperationException("Device \"cuda\" was asked for but TorchSharp finds no CUDA device; use \"auto\" to fall back to the CPU."),
            "cpu" => false,
            _ => cuda.is_available(),
        };
        if (useCuda)
        {
            _device = "cuda";
            return CUDA;
        }

        // Two intra-op threads on two cores make step times swing 20× (OpenMP spinning); one thread is steady there.
        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount <= 2 ? 1 : Environment.ProcessorCount;
        set_num_threads(threads);
        _device = "cpu";
        return CPU;
    }

    private static EncodedSplit Encode(BertTextTokenizer tokenizer, IReadOnlyList<LabelledExample> examples, IReadOnlyList<string> labels, int maxLength) =>
        EncodedSplit.Create(tokenizer, examples.Select(e => (e.Text, e.Label)), labels, maxLength);

    private static IReadOnlyList<LossPoint> LossCurve(FineTuningResult result, int trainCount, int batchSize)
    {
        // One point per step would crowd the plot; average into at most ~200 points, x in (fractional) epochs.
        var stepsPerEpoch = Math.Max(1, (trainCount + batchSize - 1) / batchSize);
        var losses = result.StepLosses;
        var window = Math.Max(1, losses.Count / 200);
        var points = new List<LossPoint>();
        for (var start = 0; start < losses.Count; start += window)
        {
            var count = Math.Min(window, losses.Count - start);
            var mean = losses.Skip(start).Take(count).Average();
            points.Add(new LossPoint((start + count) / (double)stepsPerEpoch, mean));
        }

        return points;
    }

    /// <summary>
    /// Writes an outcome, trying again with a doubling wait while storage fails transiently; the write itself is not
    /// cancelled (an outcome half-reported is worse than a late one), the waits are.
    /// </summary>
    private async Task ReportAsync(Func<CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var wait = options.ReportBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write(CancellationToken.None);
                return;
            }
            catch (Exception ex) when (attempt < options.ReportAttempts && IsTransient(ex, CancellationToken.None))
            {
                Log.ReportRetried(_logger, ex, _runId, attempt, options.ReportAttempts, wait.TotalSeconds);
                await Task.Delay(wait, cancellationToken);
                wait *= 2;
            }
        }
    }

    /// <summary>Storage could not be used (unreachable, timing out, 5xx): the same attempt may well succeed later.</summary>
    private static bool IsTransient(Exception ex, CancellationToken cancellationToken) =>
        ex is ServiceUnavailableException u && u.Problem == ProblemTypes.StorageUnavailable ||
        StorageFailures.IsUnavailable(ex, cancellationToken);

    private static string Describe(Exception ex) => ex switch
    {
        ServiceException service => service.Message,
        DatasetException dataset => dataset.Message,
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };

    /// <summary>
    /// Forwards progress to the caller and, at most every StatusInterval, to status.json; the end of an epoch and a new
    /// head-only stage are written at once.
    /// </summary>
    private sealed class StatusProgress(FineTuningRun run, IProgress<FineTuningProgress>? inner, TimeSpan interval) : IProgress<FineTuningProgress>
    {
        private readonly Stopwatch _sinceWrite = Stopwatch.StartNew();
        private readonly Stopwatch _phase = Stopwatch.StartNew();
        private Task _pending = Task.CompletedTask;
        private string? _lastStage;

        /// <summary>Starts the clock of a new phase or trial, which the time-left estimate reads.</summary>
        public void StartPhase() => _phase.Restart();

        public void Report(FineTuningProgress value)
        {
            value = value with { SecondsLeft = run._estimate?.SecondsLeft(value, _phase.Elapsed.TotalSeconds) };
            run._lastProgress = value;
            inner?.Report(value);
            var epochEnd = value.ValidationMacroF1 is not null && value.Step % Math.Max(1, value.Steps / Math.Max(1, value.Epochs)) == 0;
            var newStage = value.Stage != _lastStage;
            _lastStage = value.Stage;
            if ((_sinceWrite.Elapsed >= interval || epochEnd || newStage) && _pending.IsCompleted)
            {
                _sinceWrite.Restart();
                var metrics = run._lastMetrics?.DeepClone().AsObject();
                if (value.ValidationMacroF1 is { } f1)
                {
                    metrics ??= [];
                    metrics["validation_accuracy"] = value.ValidationAccuracy;
                    metrics["validation_macro_f1"] = f1;
                }

                _pending = run.WriteStatusAsync("training", metrics, CancellationToken.None);
            }
        }

        public Task FlushAsync(CancellationToken cancellationToken) => _pending.WaitAsync(cancellationToken);
    }

    /// <summary>Adds the learning-rate trial to full fine-tuning's progress.</summary>
    private sealed class TrialProgress(StatusProgress status, int trial, int trials, double learningRate) : IProgress<FineTuningProgress>
    {
        public void Report(FineTuningProgress value) => status.Report(value with { Trial = trial, Trials = trials, LearningRate = learningRate });
    }

    /// <summary>One learning-rate trial of full fine-tuning: the model at its best epoch and its validation metrics.</summary>
    private sealed record FineTunedTrial(
        TrainingHyperparameters Hyperparameters, BertClassifier Model, FineTuner Tuner, FineTuningResult Result, ClassificationReport Validation, double Seconds);

    /// <summary>Turns head-only training's progress into the run's progress (phase "head").</summary>
    private sealed class HeadProgress(StatusProgress status) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => status.Report(
            new FineTuningProgress(Epoch: 0, Epochs: 0, Step: value.Done ?? 0, Steps: value.Total ?? 0, Loss: 0)
            {
                Phase = FineTuningProgress.HeadPhase,
                Stage = value.Stage,
                Percent = Math.Round(value.Percent, 1),
            });
    }
}
