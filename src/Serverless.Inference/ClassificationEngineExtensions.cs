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
        return await InSlicesAsync(texts, Slice, slice => engine.GetLogitsAsync(slice, cancellationToken));
    }

    /// <summary>
    /// Classifies every text in windows (<see cref="LongTextMode.Windows"/>), in the order of <paramref name="texts"/>,
    /// asked for in slices whose windows the engine's queue takes.
    /// </summary>
    public static async Task<IReadOnlyList<TextClassification>> ClassifyInWindowsInSlicesAsync(
        this ClassificationEngine engine, IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return await InSlicesAsync(texts, WindowedSlice, slice => engine.ClassifyAsync(
            slice, topK: null, LongTextMode.Windows, maxWindows: null, waitForCapacity: true, cancellationToken));
    }

    private static async Task<IReadOnlyList<T>> InSlicesAsync<T>(
        IReadOnlyList<string> texts, int slice, Func<string[], Task<IReadOnlyList<T>>> run)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var results = new List<T>(texts.Count);
        for (var start = 0; start < texts.Count; start += slice)
        {
            results.AddRange(await run([.. texts.Skip(start).Take(Math.Min(slice, texts.Count - start))]));
        }

        return results;
    }
}
