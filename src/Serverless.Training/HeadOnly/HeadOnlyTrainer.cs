using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;

using Microsoft.Extensions.Logging;

using Serverless.Inference;
using Serverless.Inference.Tokenization;
using Serverless.Onnx;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Training.Cards;
using Serverless.Training.Choices;
using Serverless.Training.Data;
using Serverless.Training.Evaluation;

namespace Serverless.Training.HeadOnly;

/// <summary>
/// Head-only training (training mode "head"): the base encoder stays frozen; mean-pooled embeddings are computed once with
/// ONNX Runtime, a logistic-regression head is fitted in C# (L2 chosen on validation), and the head is appended to the
/// encoder's ONNX graph, so the result is a normal classifier package with a "logits" output, metrics, lineage and card.
/// The package is then run by the serving engine and must agree with the fitted head. Fast on a CPU.
/// </summary>
public sealed class HeadOnlyTrainer(ILoggerFactory loggerFactory)
{
    /// <summary>The training mode name in requests and lineage.</summary>
    public const string Mode = "head";

    private readonly ILogger _logger = loggerFactory.CreateLogger<HeadOnlyTrainer>();

    /// <summary>Trains and writes the classifier package to <paramref name="outputDirectory"/> (created; must be empty).</summary>
    /// <exception cref="DatasetException">The data cannot train a classifier.</exception>
    /// <exception cref="Errors.InvalidModelPackageException">The base is not a usable encoder.</exception>
    /// <exception cref="InvalidOperationException">The written package does not agree with the fitted head.</exception>
    public async Task<HeadTrainingResult> TrainAsync(
        HeadTrainingJob job, string outputDirectory, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        job.Options.Validate();
        if (Directory.Exists(outputDirectory) && Directory.EnumerateFileSystemEntries(outputDirectory).Any())
        {
            throw new ArgumentException($"The output folder {outputDirectory} is not empty.", nameof(outputDirectory));
        }

        if (!job.BasePackage.Config.IsBaseEncoder)
        {
            throw new Errors.InvalidModelPackageException(
                $"Head-only training needs a base encoder (architectures [\"{ModelConfig.BaseEncoderArchitecture}\"], output last_hidden_state); '{job.BaseReference}' is a classifier.");
        }

        var stopwatch = Stopwatch.StartNew();
        var options = job.Options;
        var data = job.Data;
        var labels = data.Labels;
        var maxLength = Math.Min(options.MaxLength, job.BasePackage.MaxLength);
        Log.Started(_logger, job.ModelName, job.BaseReference, data.Train.Count, data.Validation.Count, data.Test.Count, maxLength);

        // Embeddings take most of the time: 0–80 %.
        var texts = data.Train.Concat(data.Validation).Concat(data.Test).Select(e => e.Text).ToArray();
        float[][] embeddings;
        var serving = new ServingOptions { Device = InferenceDevice.Cpu, IntraOpThreads = options.IntraOpThreads };
        using (var session = OnnxModelSession.Create(job.BasePackage, serving, loggerFactory.CreateLogger<OnnxModelSession>()))
        {
            var tokenizer = BertTextTokenizer.Create(job.BasePackage);
            var embedProgress = new SynchronousProgress<int>(done => progress?.Report(new TrainingProgress(
                "embedding", 80.0 * done / texts.Length, string.Create(CultureInfo.InvariantCulture, $"{done}/{texts.Length} texts"), done, texts.Length)));
            embeddings = await Task.Run(
                () => MeanPooledEmbeddings.Compute(session, tokenizer, texts, maxLength, options.BatchSize, embedProgress, cancellationToken),
                cancellationToken);
        }

        var labelIndex = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        int[] Targets(IReadOnlyList<LabelledExample> examples) => examples.Select(e => labelIndex[e.Label]).ToArray();
        var trainX = embeddings[..data.Train.Count];
        var validationX = embeddings[data.Train.Count..(data.Train.Count + data.Validation.Count)];
        var testX = embeddings[(data.Train.Count + data.Validation.Count)..];
        var trainY = Targets(data.Train);
        var validationY = Targets(data.Validation);
        var testY = Targets(data.Test);
        Log.Embedded(_logger, texts.Length, stopwatch.Elapsed.TotalSeconds);

        // Fitting: 80–90 %.
        var lrOptions = new LogisticRegressionOptions(
            Epochs: options.Epochs,
            LearningRate: options.LearningRate,
            ClassWeights: options.BalanceClasses ? ClassWeightingRule.BalancedWeights(trainY, labels.Count) : null);
        var fitEpochs = options.Epochs * options.L2Candidates.Count;
        var fitProgress = new SynchronousProgress<double>(share => progress?.Report(new TrainingProgress(
            "fitting", 80 + (10 * share), string.Create(CultureInfo.InvariantCulture, $"logistic regression, {options.L2Candidates.Count} L2 candidates"),
            (int)Math.Round(share * fitEpochs), fitEpochs)));
        var fit = await Task.Run(
            () => HeadFitter.Fit(labels, (trainX, trainY), (validationX, validationY), options.L2Candidates, lrOptions, fitProgress, cancellationToken),
            cancellationToken);
        // The decision is calibrated on validation and folded into the bias, so the package serves it as is.
        var offsets = DecisionCalibration.Fit(labels, validationX.Select(x => fit.Model.Logits(x)).ToArray(), validationY, job.SelectionMetric);
        var head = new LogisticRegressionModel(fit.Model.Weight, fit.Model.Bias.Select((b, k) => b + offsets.Offsets[k]).ToArray());
        var validation = ClassificationMetrics.Compute(labels, validationY, head.Predict(validationX));
        var testBefore = ClassificationMetrics.Compute(labels, testY, fit.Model.Predict(testX));
        var testLogits = testX.Select(x => head.Logits(x)).ToArray();
        var test = ClassificationMetrics.Compute(labels, testY, testLogits.Select(l => TensorPrimitives.IndexOfMax(l)).ToArray());
        var diagnostics = TestSplitDiagnostics.Compute(labels, data.Test, testLogits, job.SliceField, test);
        Log.Fitted(_logger, fit.L2, validation.MacroF1, test.Accuracy, test.MacroF1);

        // Packaging: 90–93 %.
        progress?.Report(new TrainingProgress("packaging", 90, "appending the head to the encoder graph"));
        var hyperparameters = options.ToJson();
        hyperparameters["max_length"] = maxLength;
        hyperparameters["l2"] = fit.L2;
        if (job.SplitSeed is { } seed)
        {
            hyperparameters["seed"] = seed;
        }

        var lineage = new Lineage
        {
            Base = job.BaseReference,
            Dataset = data.Dataset,
            DatasetSha256 = data.DatasetSha256,
            TrainingMode = Mode,
            Hyperparameters = hyperparameters,
            Choices = job.Choices,
            RunId = job.RunId,
        };
        hyperparameters["logit_offsets"] = offsets.ToJson()["offsets"]!.DeepClone();
        var metrics = test.ToJson();
        metrics["validation"] = new System.Text.Json.Nodes.JsonObject
        {
            ["accuracy"] = Math.Round(validation.Accuracy, 6),
            ["macro_f1"] = Math.Round(validation.MacroF1, 6),
        };
        metrics[DecisionOffsets.MetricsKey] = offsets.ToJson();
        diagnostics.AddTo(metrics);
        var card = new ModelCardContent
        {
            ModelName = job.ModelName,
            TrainingMode = Mode,
            Base = job.BaseReference,
            Data = data,
            TestMetrics = test,
            ValidationMetrics = validation,
            Diagnostics = diagnostics,
            Offsets = offsets,
            TestMetricsBeforeOffsets = testBefore,
            Hyperparameters = hyperparameters,
            Loss = fit.Loss,
            ValidationCurve = fit.ValidationCurve,
            EpochLabel = "epoch (full batch)",
            Choices = job.Choices,
            RunId = job.RunId,
        };
        var baseModel = await File.ReadAllBytesAsync(job.BasePackage.ModelPath, cancellationToken);
        ModelPackageWriter.Write(outputDirectory, new ModelPackageContent
        {
            Model = ClassifierHead.Append(baseModel, ClassifierHead.Mean, head.Weight, head.Bias, labels.Count),
            Vocab = await File.ReadAllLinesAsync(job.BasePackage.VocabPath, cancellationToken),
            TokenizerConfig = job.BasePackage.TokenizerConfig with { ModelMaxLength = maxLength },
            Config = job.BasePackage.Config.WithLabels(labels) with { Pooling = ClassifierHead.Mean },
            ExtraFiles = ModelCard.Create(card),
            Metrics = metrics,
            Lineage = lineage,
        });

        // Verifying: 93–100 %. The serving engine on the written package must reproduce the fitted head.
        progress?.Report(new TrainingProgress("verifying", 93, "running the package in the serving engine"));
        var parity = await ParityGate.CheckAsync(ModelPackage.Open(outputDirectory), data.Test.Select(e => e.Text).ToArray(),
            testLogits, options.IntraOpThreads, loggerFactory, cancellationToken);
        Log.Verified(_logger, parity.Texts - parity.ArgMaxMismatches, parity.Texts, parity.MaxAbsoluteDifference);
        if (!parity.Passed)
        {
            throw new InvalidOperationException(
                $"The written package does not reproduce the fitted head: {parity} The package in {outputDirectory} must not be published.");
        }

        // The card gains the parity line; the manifest is rewritten last to cover it.
        card = card with
        {
            Notes = [parity.ToString(), string.Create(CultureInfo.InvariantCulture, $"Trained in {stopwatch.Elapsed.TotalSeconds:0} s on the CPU.")],
        };
        var cardFiles = ModelCard.Create(card);
        await File.WriteAllBytesAsync(Path.Combine(outputDirectory, PackageFiles.Card), cardFiles[PackageFiles.Card], cancellationToken);
        metrics["serving_agreement"] = Math.Round(parity.Agreement, 6);
        metrics["parity"] = parity.ToJson();
        var manifest = ModelPackageWriter.WriteManifest(outputDirectory, metrics, lineage);
        manifest = await Int8VariantGate.ApplyAsync(outputDirectory, data.Validation, loggerFactory, cancellationToken);
        progress?.Report(new TrainingProgress("done", 100, string.Create(CultureInfo.InvariantCulture,
            $"test accuracy {test.Accuracy:0.0000}, macro-F1 {test.MacroF1:0.0000}")));
        return new HeadTrainingResult(outputDirectory, manifest, test, validation, fit.L2, parity, stopwatch.Elapsed) { UncalibratedValidation = fit.Validation, Lineage = lineage, Card = card };
    }

    // Progress<T> posts to the thread pool, so reports could arrive out of order; this reports in place.
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
