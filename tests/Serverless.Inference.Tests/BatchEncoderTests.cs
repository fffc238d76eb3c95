using Serverless.Inference.Tokenization;

namespace Serverless.Inference.Tests;

public sealed class BatchEncoderTests
{
    [Fact]
    public void Pad_TextsOfDifferentLengths_PadsToLongestWithMaskAndZeroTokenTypes()
    {
        TokenizedText[] texts = [new([2, 10, 3], false), new([2, 11, 12, 13, 3], true)];

        var batch = BatchEncoder.Pad(texts, padId: 0);

        Assert.Equal(2, batch.BatchSize);
        Assert.Equal(5, batch.SequenceLength);
        Assert.Equal([2, 10, 3, 0, 0, 2, 11, 12, 13, 3], batch.InputIds);
        Assert.Equal([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], batch.AttentionMask);
        Assert.Equal(new long[10], batch.TokenTypeIds);
    }

    [Fact]
    public void Pad_NonZeroPadId_FillsPaddingWithIt()
    {
        var batch = BatchEncoder.Pad([new([5, 6], false), new([5], false)], padId: 9);

        Assert.Equal([5, 6, 5, 9], batch.InputIds);
        Assert.Equal([1, 1, 1, 0], batch.AttentionMask);
    }

    [Fact]
    public void Pad_NoTexts_ThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => BatchEncoder.Pad([], padId: 0));

    [Fact]
    public void PaddingShare_TextsOfLengthTwoAndSix_IsOneThird() =>
        Assert.Equal(1.0 / 3, BatchEncoder.PaddingShare([new([1, 2], false), new([1, 2, 3, 4, 5, 6], false)]), 6);

    [Fact]
    public void PackPooled_TextsOfThreeAndOneTokens_LaysOutRealTokensAndTheirPaddedSlots()
    {
        var batch = BatchEncoder.PackPooled([new([7, 8, 9], false), new([4], false)]);
        try
        {
            Assert.Equal((2, 3, 4), (batch.BatchSize, batch.SequenceLength, batch.Tokens));
            Assert.Equal([7, 8, 9, 4], batch.InputIds[..4]);
            Assert.Equal([0, 1, 2, 0], batch.PositionIds[..4]);
            Assert.Equal([0, 0, 0, 0], batch.TokenTypeIds[..4]);
            Assert.Equal([0, 1, 2, 3], batch.PackedIndex[..4]);
            // Slots past a text's end point at row "tokens" (4), the zero row the graph appends.
            Assert.Equal([0, 1, 2, 3, 4, 4], batch.TokenIndex[..6]);
            Assert.Equal([1, 1, 1, 1, 0, 0], batch.AttentionMask[..6]);
        }
        finally
        {
            BatchEncoder.Return(batch);
        }
    }
}
