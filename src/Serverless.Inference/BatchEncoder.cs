using System.Buffers;

using Serverless.Inference.Tokenization;

namespace Serverless.Inference;

/// <summary>Pads or packs tokenized texts into one batch. Stateless and thread-safe.</summary>
public static class BatchEncoder
{
    /// <summary>
    /// Pads every text to the longest one in <paramref name="texts"/>: ids padded with <paramref name="padId"/>, attention
    /// mask 1 on real tokens and 0 on padding, token type ids all 0 (one segment).
    /// </summary>
    public static EncodedBatch Pad(IReadOnlyList<TokenizedText> texts, int padId)
    {
        var (batchSize, sequenceLength) = Measure(texts);
        var count = batchSize * sequenceLength;
        var batch = new EncodedBatch(new long[count], new long[count], new long[count], batchSize, sequenceLength);
        Fill(texts, padId, batch);
        return batch;
    }

    /// <summary>Like <see cref="Pad"/>, with arrays rented from <see cref="ArrayPool{T}.Shared"/>; give them back with <see cref="Return(EncodedBatch)"/>.</summary>
    internal static EncodedBatch PadPooled(IReadOnlyList<TokenizedText> texts, int padId)
    {
        var (batchSize, sequenceLength) = Measure(texts);
        var count = batchSize * sequenceLength;
        var pool = ArrayPool<long>.Shared;
        var batch = new EncodedBatch(pool.Rent(count), pool.Rent(count), pool.Rent(count), batchSize, sequenceLength);
        Fill(texts, padId, batch);
        return batch;
    }

    /// <summary>Returns the arrays of a batch made by <see cref="PadPooled"/>.</summary>
    internal static void Return(EncodedBatch batch)
    {
        var pool = ArrayPool<long>.Shared;
        pool.Return(batch.InputIds);
        pool.Return(batch.AttentionMask);
        pool.Return(batch.TokenTypeIds);
    }

    /// <summary>
    /// Packs <paramref name="texts"/> for an unpadded graph, with arrays rented from <see cref="ArrayPool{T}.Shared"/>; give
    /// them back with <see cref="Return(PackedBatch)"/>. Token types are all 0 (one segment).
    /// </summary>
    public static PackedBatch PackPooled(IReadOnlyList<TokenizedText> texts)
    {
        var (batchSize, sequenceLength) = Measure(texts);
        var tokens = 0;
        foreach (var text in texts)
        {
            tokens += text.Length;
        }

        var pool = ArrayPool<long>.Shared;
        var padded = batchSize * sequenceLength;
        var batch = new PackedBatch(
            pool.Rent(tokens), pool.Rent(tokens), pool.Rent(tokens), pool.Rent(tokens), pool.Rent(padded), pool.Rent(padded),
            batchSize, sequenceLength, tokens);
        batch.TokenTypeIds.AsSpan(0, tokens).Clear();
        batch.TokenIndex.AsSpan(0, padded).Fill(tokens);
        batch.AttentionMask.AsSpan(0, padded).Clear();
        var n = 0;
        for (var row = 0; row < texts.Count; row++)
        {
            var ids = texts[row].Ids;
            var start = row * sequenceLength;
            for (var position = 0; position < ids.Length; position++, n++)
            {
                batch.InputIds[n] = ids[position];
                batch.PositionIds[n] = position;
                batch.PackedIndex[n] = start + position;
                batch.TokenIndex[start + position] = n;
            }

            batch.AttentionMask.AsSpan(start, ids.Length).Fill(1);
        }

        return batch;
    }

    /// <summary>Returns the arrays of a batch made by <see cref="PackPooled"/>.</summary>
    public static void Return(PackedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var pool = ArrayPool<long>.Shared;
        pool.Return(batch.InputIds);
        pool.Return(batch.TokenTypeIds);
        pool.Return(batch.PositionIds);
        pool.Return(batch.PackedIndex);
        pool.Return(batch.TokenIndex);
        pool.Return(batch.AttentionMask);
    }

    /// <summary>The share of the batch's positions that are padding (0 when every text has the same length).</summary>
    public static double PaddingShare(IReadOnlyList<TokenizedText> texts)
    {
        var (batchSize, sequenceLength) = Measure(texts);
        var real = texts.Sum(t => (long)t.Length);
        return 1.0 - ((double)real / ((long)batchSize * sequenceLength));
    }

    private static (int BatchSize, int SequenceLength) Measure(IReadOnlyList<TokenizedText> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one text.", nameof(texts));
        }

        var sequenceLength = 0;
        foreach (var text in texts)
        {
            if (text.Ids is null || text.Length == 0)
            {
                throw new ArgumentException("Every tokenized text needs at least one token.", nameof(texts));
            }

            sequenceLength = Math.Max(sequenceLength, text.Length);
        }

        return (texts.Count, sequenceLength);
    }

    private static void Fill(IReadOnlyList<TokenizedText> texts, int padId, EncodedBatch batch)
    {
        var length = batch.SequenceLength;
        for (var row = 0; row < texts.Count; row++)
        {
            var ids = texts[row].Ids;
            var idRow = batch.InputIds.AsSpan(row * length, length);
            var maskRow = batch.AttentionMask.AsSpan(row * length, length);
            for (var i = 0; i < ids.Length; i++)
            {
                idRow[i] = ids[i];
            }

            idRow[ids.Length..].Fill(padId);
            maskRow[..ids.Length].Fill(1);
            maskRow[ids.Length..].Clear();
        }

        batch.TokenTypeIds.AsSpan(0, batch.ElementCount).Clear();
    }
}
