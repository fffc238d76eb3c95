namespace Serverless.Inference.Tests;

public sealed class BatchPartitionerTests
{
    public static TheoryData<int[], double, int, int> Cases => new()
    {
        // Lengths (ascending), per-run cost in token positions, max texts, max tokens.
        { [5, 5, 5, 5, 100], 20, 8, 10_000 },
        { [2, 3, 3, 10, 40, 41], 16, 3, 100 },
        { [1, 2, 4, 8, 16, 32, 64, 128], 10, 8, 100_000 },
        { [7, 7, 7, 7, 7, 7, 7, 7, 7], 1, 4, 21 },
        { [3, 9, 9, 12, 30, 31, 31, 80, 81, 200], 50, 4, 256 },
        { [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.5, 10, 1_000_000 },
        { [4, 4, 5, 6, 50, 51, 52, 53, 54, 55], 200, 6, 400 },
        { [300], 10, 4, 64 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Partition_SmallCases_CostsNoMoreThanTheBestPartitionFoundByBruteForce(int[] lengths, double perRunTokens, int maxTexts, int maxTokens)
    {
        var cost = new BatchCostModel(perRunTokens * 1e-6, 1e-6);

        var batches = Batches(lengths, cost, maxTexts, maxTokens);

        var best = BruteForceBestCost(lengths, cost, maxTexts, maxTokens);
        Assert.Equal(best, TotalCost(lengths, batches, cost), 9);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Partition_AnyCase_CoversEveryTextOnceInOrderWithinTheLimits(int[] lengths, double perRunTokens, int maxTexts, int maxTokens)
    {
        var batches = Batches(lengths, new BatchCostModel(perRunTokens * 1e-6, 1e-6), maxTexts, maxTokens);

        Assert.Equal(Enumerable.Range(0, lengths.Length), batches.SelectMany(b => Enumerable.Range(b.Start, b.Count)));
        Assert.All(batches, b =>
        {
            Assert.InRange(b.Count, 1, maxTexts);
            Assert.True(b.Count == 1 || b.Count * lengths[b.Start + b.Count - 1] <= maxTokens,
                $"A batch of {b.Count} texts padded to {lengths[b.Start + b.Count - 1]} exceeds {maxTokens} tokens.");
        });
    }

    [Fact]
    public void Partition_OneLongTextAmongShortOnes_RunsTheLongTextAlone()
    {
        // A run costs what 20 token positions cost: padding four short texts to 100 would cost 380 positions more.
        var batches = Batches([5, 5, 5, 5, 100], new BatchCostModel(20e-6, 1e-6), maxTexts: 8, maxTokens: 10_000);

        Assert.Equal(new List<(int, int)> { (0, 4), (4, 1) }, batches);
    }

    [Fact]
    public void Partition_RunsThatCostFarMoreThanTokens_FillsBatchesToTheLimit()
    {
        var batches = Batches([1, 2, 3, 4, 5, 6, 7, 8, 9], new BatchCostModel(1, 1e-9), maxTexts: 4, maxTokens: 10_000);

        Assert.Equal(3, batches.Count);
    }

    [Fact]
    public void Partition_NoTexts_HasNoBatches()
    {
        Assert.Equal(0, BatchPartitioner.Partition([], new BatchCostModel(1, 1), 4, 100, []));
    }

    private static List<(int Start, int Count)> Batches(int[] lengths, BatchCostModel cost, int maxTexts, int maxTokens)
    {
        var ends = new int[lengths.Length];
        var count = BatchPartitioner.Partition(lengths, cost, maxTexts, maxTokens, ends);
        var batches = new List<(int Start, int Count)>();
        var start = 0;
        foreach (var end in ends.Take(count))
        {
            batches.Add((start, end - start));
            start = end;
        }

        return batches;
    }

    private static double TotalCost(int[] lengths, List<(int Start, int Count)> batches, BatchCostModel cost) =>
        batches.Sum(b => cost.Cost(b.Count, lengths[b.Start + b.Count - 1]));

    /// <summary>Every way to cut the texts into consecutive batches (2^(n-1) of them), the cheapest within the limits.</summary>
    private static double BruteForceBestCost(int[] lengths, BatchCostModel cost, int maxTexts, int maxTokens)
    {
        var best = double.PositiveInfinity;
        var n = lengths.Length;
        for (var cuts = 0; cuts < 1 << (n - 1); cuts++)
        {
            var total = 0.0;
            var start = 0;
            var valid = true;
            for (var i = 0; i < n && valid; i++)
            {
                var last = i == n - 1 || (cuts & (1 << i)) != 0;
                if (!last)
                {
                    continue;
                }

                var count = i - start + 1;
                valid = count <= maxTexts && (count == 1 || count * lengths[i] <= maxTokens);
                total += cost.Cost(count, lengths[i]);
                start = i + 1;
            }

            if (valid)
            {
                best = Math.Min(best, total);
            }
        }

        return best;
    }
}
