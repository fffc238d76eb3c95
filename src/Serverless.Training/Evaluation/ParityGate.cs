using System.Numerics.Tensors;

using Microsoft.Extensions.Logging;

using Serverless.Inference;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Training.FineTuning;

namespace Serverless.Training.Evaluation;

/// <summary>
/// Proves a written package computes what the trained model computes: the serving engine runs the package's ONNX model on
/// the CPU execution provider over the given texts, and its logits are compared with the trained model's (TorchSharp's
/// for fine-tuning, the head fitted in C# for head-only training). Both training modes hold their packages to this one rule.
/// </summary>
public static class ParityGate
{
    /// <summary>The largest absolute logit difference allowed; every arg-max must agree as well.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Runs <paramref name="package"/> through <see cref="ClassificationEngine"/> and compares its logits with <paramref name="expected"/>.</summary>
    /// <param name="package">The written package.</param>
    /// <param name="texts">The texts to run.</param>
    /// <param name="expected">The trained model's logits for each text.</param>
    /// <param name="intraOpThreads">Threads ONNX Runtime may use within an operator (0: its default).</param>
    /// <param name="loggerFactory">Logs of the engine.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<ParityReport> CheckAsync(
        ModelPackage package, IReadOnlyList<string> texts, IReadOnlyList<float[]> expected, int intraOpThreads,
        ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(expected);
        if (texts.Count != expected.Count)
        {
            throw new ArgumentException($"{texts.Count} texts but {expected.Count} expected logits.", nameof(expected));
        }

        var serving = new ServingOptions { Device = InferenceDevice.Cpu, IntraOpThreads = intraOpThreads };
        await using var engine = await ClassificationEngine.CreateAsync(package, serving, new BatchingOptions(), loggerFactory, cancellationToken);
        var actual = await ServingEvaluation.GetLogitsAsync(engine, texts, cancellationToken);
        return Compare(expected, actual);
    }

    /// <summary>Compares the trained model's logits with the serving engine's, text by text.</summary>
    /// <param name="expected">The trained model's logits.</param>
    /// <param name="actual">The serving engine's logits for the same texts.</param>
    public static ParityReport Compare(IReadOnlyList<float[]> expected, IReadOnlyList<float[]> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        if (expected.Count != actual.Count)
        {
            throw new ArgumentException($"{expected.Count} expected logit rows but {actual.Count} actual.", nameof(actual));
        }

        var maxDifference = 0.0;
        var mismatches = 0;
        for (var i = 0; i < expected.Count; i++)
        {
            var trained = expected[i];
            var served = actual[i];
            if (served.Length != trained.Length)
            {
                throw new InvalidOperationException($"The exported model gives {served.Length} logits per text but the trained model {trained.Length}.");
            }

            for (var j = 0; j < trained.Length; j++)
            {
                maxDifference = Math.Max(maxDifference, Math.Abs(trained[j] - served[j]));
            }

            if (TensorPrimitives.IndexOfMax(trained) != TensorPrimitives.IndexOfMax(served))
            {
                mismatches++;
            }
        }

        return new ParityReport(expected.Count, maxDifference, mismatches, Tolerance);
    }
}
