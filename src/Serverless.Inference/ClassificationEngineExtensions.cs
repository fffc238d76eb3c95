namespace Serverless.Inference;

/// <summary>Bulk scoring for callers that hold a whole split (evaluation, variant gates) rather than one request.</summary>
public static class ClassificationEngineExtensions
{
    // The engine queues at most BatchingOptions.MaxQueuedTexts texts; ask in slices well below that.
    private const int Slice = 256;

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
}
