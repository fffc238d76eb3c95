using System.Diagnostics;
using System.Globalization;

using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Inference;
using Serverless.Inference.Tokenization;
using Serverless.Options;
using Serverless.Packages;

namespace Serverless.Benchmarks;

/// <summary>
/// Padded against unpadded graph on the same batches, alternating batch by batch so both see the same load: batches of
/// 32 reviews in arrival order (mixed lengths) and of 32 reviews of similar length (sorted, as bulk batches are).
/// </summary>
internal static class LayoutBenchmark
{
    public static void Run(ModelPackage package, IReadOnlyList<string> reviews, int batchTexts, int threads, int maxLength)
    {
        var tokenizer = BertTextTokenizer.Create(package);
        var tokenized = reviews.Select(r => tokenizer.Tokenize(r, maxLength)).ToArray();
        using var padded = OnnxModelSession.Create(package, new ServingOptions { Device = InferenceDevice.Cpu, IntraOpThreads = threads, Unpadded = false }, NullLogger.Instance);
        using var unpadded = OnnxModelSession.Create(package, new ServingOptions { Device = InferenceDevice.Cpu, IntraOpThreads = threads, Unpadded = true }, NullLogger.Instance);
        Console.WriteLine($"{package.Variant}: padded session {padded.Execution}, unpadded session {unpadded.Execution} {unpadded.PaddedReason}");
        foreach (var (name, order) in new[] { ("arrival order", tokenized), ("sorted by length", tokenized.OrderBy(t => t.Length).ToArray()) })
        {
            var batches = order.Chunk(batchTexts).ToArray();
            padded.Run(batches[0], tokenizer.PadId, out _);
            unpadded.Run(batches[0], tokenizer.PadId, out _);
            double paddedSeconds = 0, unpaddedSeconds = 0;
            foreach (var batch in batches)
            {
                var started = Stopwatch.GetTimestamp();
                padded.Run(batch, tokenizer.PadId, out _);
                paddedSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
                started = Stopwatch.GetTimestamp();
                unpadded.Run(batch, tokenizer.PadId, out _);
                unpaddedSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
            }

            var padding = 1.0 - ((double)order.Sum(t => t.Length) / batches.Sum(b => b.Length * b.Max(t => t.Length)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {package.Variant} | {name,-16} | {padding,7:P1} | {reviews.Count / paddedSeconds,8:F1} | {reviews.Count / unpaddedSeconds,8:F1} | {paddedSeconds / unpaddedSeconds,5:F2}× |"));
        }
    }
}
