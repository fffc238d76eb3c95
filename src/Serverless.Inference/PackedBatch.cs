using Serverless.Packages;

namespace Serverless.Inference;

/// <summary>
/// One batch of tokenized texts for an unpadded graph (<see cref="PackedGraphInputs"/>): the real tokens of every text one
/// after another ([<see cref="Tokens"/>] each: ids, token types, positions, padded slots) and the padded index and mask
/// ([<see cref="BatchSize"/>, <see cref="SequenceLength"/>]). Arrays may be longer than those counts; the rest is ignored.
/// </summary>
public sealed record PackedBatch(
    long[] InputIds, long[] TokenTypeIds, long[] PositionIds, long[] PackedIndex, long[] TokenIndex, long[] AttentionMask,
    int BatchSize, int SequenceLength, int Tokens)
{
    /// <summary>BatchSize × SequenceLength: the elements of the padded index and mask.</summary>
    public int PaddedCount => BatchSize * SequenceLength;
}
