using Serverless.Classification;

namespace Serverless.Inference;

/// <summary>Bulk scoring for callers that hold a whole split (evaluation, variant gates) rather than one request.</summary>
public static class ClassificationEngineExtensions
{
    // The engine queues at most BatchingOptions.MaxQueuedTexts texts; ask in slices well below that.
    private const int Slice = 256;

    // Texts per slice in windows: each may make ClassificationEngine.MaxWindowsPerText rows.
    private const int WindowedSlice = Slice / ClassificationEngine.MaxWindowsPerText;

    /// <summary>Logits per text, in the order of <paramref name="texts"/>, asked for in slices the engine's queue takes.</summary>
    public static async Task<IReadOnlyList<float[]>> GetLogitsInSlicesAsync(
        this ClassificationEngine engine, IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(texts);
        var logits = new List<float[]>(texts.Count);
        for (var start = 0; start < texts.Count; start += Slice)
        {
            var count = Math.Min(Slice, texts.Count - start);
            logits.AddRange(await engine.GetLogitsAsync(texts.Skip(start).Take(count).ToArray(), cancellationToken));
        }

        return logits;
    }

    /// <summary>
    /// Classifies every text in windows (<see cref="LongTextMode.Windows"/>), in the order of <paramref name="texts"/>,
    /// asked for in slices whose windows the engine's queue takes.
    /// </summary>
    public static async Task<IReadOnlyList<TextClassification>> ClassifyInWindowsInSlicesAsync(
        this ClassificationEngine engine, IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(texts);
        var results = new List<TextClassification>(texts.Count);
        for (var start = 0; start < texts.Count; start += WindowedSlice)
        {
            var count = Math.Min(WindowedSlice, texts.Count - start);
            results.AddRange(await engine.ClassifyAsync(
                texts.Skip(start).Take(count).ToArray(), topK: null, LongTextMode.Windows, maxWindows: null, waitForCapacity: true, cancellationToken));
        }

        return results;
    }
}
