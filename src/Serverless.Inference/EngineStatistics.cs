namespace Serverless.Inference;

/// <summary>What an engine has done so far; a consistent snapshot for diagnostics, health pages and benchmarks.</summary>
/// <param name="Batches">Model runs.</param>
/// <param name="Texts">Texts run.</param>
/// <param name="Tokens">Real (non-padding) token positions run.</param>
/// <param name="PaddedTokens">All token positions run (texts × padded length, summed over runs).</param>
/// <param name="LargestBatchTexts">Most texts in one run.</param>
/// <param name="LargestBatchTokens">Most token positions (texts × padded length) in one run.</param>
/// <param name="Rejected">Requests refused because the queue was full.</param>
/// <param name="QueuedTexts">Texts waiting now.</param>
public sealed record EngineStatistics(
    long Batches, long Texts, long Tokens, long PaddedTokens, int LargestBatchTexts, int LargestBatchTokens, long Rejected, int QueuedTexts)
{
    /// <summary>Share of all token positions run that were padding, 0–1.</summary>
    public double PaddingShare => PaddedTokens == 0 ? 0 : 1.0 - ((double)Tokens / PaddedTokens);
}
