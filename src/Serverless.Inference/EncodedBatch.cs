namespace Serverless.Inference;

/// <summary>
/// One batch of tokenized texts as int64 tensors of shape [<see cref="BatchSize"/>, <see cref="SequenceLength"/>], flat and
/// row-major. Each array holds at least BatchSize × SequenceLength elements; elements beyond that are ignored.
/// </summary>
public sealed record EncodedBatch(long[] InputIds, long[] AttentionMask, long[] TokenTypeIds, int BatchSize, int SequenceLength)
{
    /// <summary>BatchSize × SequenceLength: the elements of each tensor.</summary>
    public int ElementCount => BatchSize * SequenceLength;
}
