namespace Serverless.Inference;

/// <summary>
/// Cuts texts sorted by length into consecutive batches of least total cost under a <see cref="BatchCostModel"/>, within
/// the batch limits. Stateless and thread-safe.
/// </summary>
/// <remarks>
/// With the texts sorted, a batch's padded length is its last text's length, so the best partition of the first j texts
/// is the best partition of some shorter prefix plus one batch: a dynamic program over O(texts × max batch texts).
/// </remarks>
internal static class BatchPartitioner
{
    /// <summary>
    /// Writes the exclusive end index of each batch into <paramref name="ends"/> (which needs room for one per text) and
    /// returns how many batches there are. A batch holds at most <paramref name="maxTexts"/> texts and, unless it is a
    /// single text, at most <paramref name="maxTokens"/> token positions (texts × padded length).
    /// </summary>
    /// <param name="sortedLengths">Token counts, ascending.</param>
    /// <param name="cost">The cost of one run.</param>
    /// <param name="maxTexts">Most texts in one batch.</param>
    /// <param name="maxTokens">Most token positions in one batch of more than one text.</param>
    /// <param name="ends">Receives the batches' exclusive end indexes, in order.</param>
    public static int Partition(ReadOnlySpan<int> sortedLengths, BatchCostModel cost, int maxTexts, int maxTokens, Span<int> ends)
    {
        ArgumentNullException.ThrowIfNull(cost);
        var count = sortedLengths.Length;
        if (ends.Length < count)
        {
            throw new ArgumentException("ends needs room for one batch per text.", nameof(ends));
        }

        if (count == 0)
        {
            return 0;
        }

        var best = new double[count + 1];
        var start = new int[count + 1];
        var tokensBefore = new long[count + 1];
        for (var i = 0; i < count; i++)
        {
            tokensBefore[i + 1] = tokensBefore[i] + sortedLengths[i];
        }

        for (var end = 1; end <= count; end++)
        {
            var padded = sortedLengths[end - 1];
            best[end] = double.PositiveInfinity;
            var largest = Math.Min(maxTexts, end);
            for (var size = 1; size <= largest; size++)
            {
                // Sizes only grow from here, and with them the token count: the first one over the budget ends the search.
                if (size > 1 && (long)size * padded > maxTokens)
                {
                    break;
                }

                var candidate = best[end - size] + cost.Cost(size, padded, tokensBefore[end] - tokensBefore[end - size]);
                if (candidate < best[end])
                {
                    best[end] = candidate;
                    start[end] = end - size;
                }
            }
        }

        // Walk back from the end, then put the cuts in order.
        var batches = 0;
        for (var end = count; end > 0; end = start[end])
        {
            ends[batches++] = end;
        }

        ends[..batches].Reverse();
        return batches;
    }
}
