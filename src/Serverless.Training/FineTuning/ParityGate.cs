using Microsoft.Extensions.Logging;

using Serverless.Inference;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Training.FineTuning;

/// <summary>
/// Proves an exported package computes what the TorchSharp model computes: the serving engine runs the package's ONNX
/// model on the CPU execution provider over the given texts, and its logits are compared with TorchSharp's.
/// </summary>
public static class ParityGate
{
    /// <summary>The largest absolute logit difference allowed.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Runs <paramref name="package"/> through <see cref="ClassificationEngine"/> and compares its logits with <paramref name="expected"/>.</summary>
    public static async Task<ParityReport> CheckAsync(
        ModelPackage package, IReadOnlyList<string> texts, IReadOnlyList<float[]> expected, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(expected);
        if (texts.Count != expected.Count)
        {
            throw new ArgumentException($"{texts.Count} texts but {expected.Count} expected logits.", nameof(expected));
        }

        var serving = new ServingOptions { Device = InferenceDevice.Cpu };
        await using var engine = await ClassificationEngine.CreateAsync(package, serving, new BatchingOptions(), loggerFactory, cancellationToken);
        var actual = await ServingEvaluation.GetLogitsAsync(engine, texts, cancellationToken);
        var maxDifference = 0.0;
        var mismatches = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            var torchLogits = expected[i];
            var onnxLogits = actual[i];
            if (onnxLogits.Length != torchLogits.Length)
            {
                throw new InvalidOperationException($"The exported model gives {onnxLogits.Length} logits per text but the trained model {torchLogits.Length}.");
            }

            for (var j = 0; j < torchLogits.Length; j++)
            {
                maxDifference = Math.Max(maxDifference, Math.Abs(torchLogits[j] - onnxLogits[j]));
            }

            if (FineTuner.ArgMax(torchLogits) != FineTuner.ArgMax(onnxLogits))
            {
                mismatches++;
            }
        }

        return new ParityReport(texts.Count, maxDifference, mismatches, Tolerance);
    }
}
