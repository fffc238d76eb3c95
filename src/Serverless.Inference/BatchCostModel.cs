using System.Diagnostics;
using System.Globalization;

namespace Serverless.Inference;

/// <summary>
/// What one model run costs, in seconds: a fixed <see cref="PerRunSeconds"/> (hand-off, kernel launches, thread wake-ups)
/// plus <see cref="PerTokenSeconds"/> for every token position the run computes. A padded graph computes every position of
/// rows × padded length; an unpadded one computes its real tokens, and only the <see cref="PaddedShare"/> of the cost
/// (the spreading into the padded layout) over every position. Attention adds <see cref="PerAttentionSeconds"/> for every
/// pair of positions of a row (rows × padded length²), which is what makes long padded rows dear. Calibrated once per
/// model at load (<see cref="Calibrate"/>); the scheduler uses it to cut each generation into batches
/// (<see cref="BatchPartitioner"/>).
/// </summary>
/// <param name="PerRunSeconds">The fixed cost of one run.</param>
/// <param name="PerTokenSeconds">The cost of one token position.</param>
/// <param name="PaddedShare">The share of a token's cost paid on every padded position too: 1 for a padded graph.</param>
/// <param name="PerAttentionSeconds">The cost of one pair of positions in attention.</param>
internal sealed record BatchCostModel(double PerRunSeconds, double PerTokenSeconds, double PaddedShare = 1, double PerAttentionSeconds = 0)
{
    // Where a measurement cannot separate the two terms (noise on a busy machine), a run is assumed to cost what this many
    // token positions cost: large batches stay preferred, padding still counts.
    private const double FallbackPerRunTokens = 64;

    // Each shape runs this often; the fastest run counts, as other work on the machine only ever adds time.
    private const int Repetitions = 3;

    /// <summary>The cost of one run of <paramref name="rows"/> texts of <paramref name="paddedLength"/> tokens each.</summary>
    public double Cost(int rows, int paddedLength) => Cost(rows, paddedLength, (long)rows * paddedLength);

    /// <summary>
    /// The cost of one run of <paramref name="rows"/> texts of <paramref name="realTokens"/> tokens in all, the longest of
    /// <paramref name="paddedLength"/>.
    /// </summary>
    public double Cost(int rows, int paddedLength, long realTokens) =>
        PerRunSeconds + (PerTokenSeconds * (((1 - PaddedShare) * realTokens) + (PaddedShare * rows * (double)paddedLength))) +
        (PerAttentionSeconds * rows * (double)paddedLength * paddedLength);

    /// <summary>
    /// Times a small and a larger batch shape (<paramref name="run"/> takes the lengths of the texts of one batch, all
    /// within <paramref name="maxLength"/>) and fits the two terms through them with <see cref="Fit"/>; then one long text
    /// of as many positions as the larger shape, whose extra time is attention's (<see cref="PerAttentionSeconds"/>); for an
    /// <paramref name="unpadded"/> graph, also the long text beside three short ones, whose cost above its real tokens'
    /// gives <see cref="PaddedShare"/>.
    /// </summary>
    public static BatchCostModel Calibrate(Action<int[]> run, int maxLength, bool unpadded = false)
    {
        ArgumentNullException.ThrowIfNull(run);
        return FromMeasurements(lengths => Fastest(run, lengths), maxLength, unpadded);
    }

    /// <summary>
    /// The fit <see cref="Calibrate"/> makes, from <paramref name="secondsOf"/>: the seconds one batch of the given text
    /// lengths takes (the fastest of a few timed runs when calibrating a model; a formula in tests).
    /// </summary>
    public static BatchCostModel FromMeasurements(Func<int[], double> secondsOf, int maxLength, bool unpadded = false)
    {
        ArgumentNullException.ThrowIfNull(secondsOf);
        var (smallRows, smallLength) = (1, Math.Min(8, maxLength));
        var (largeRows, largeLength) = (4, Math.Min(64, maxLength));
        var small = secondsOf(Enumerable.Repeat(smallLength, smallRows).ToArray());
        var large = secondsOf(Enumerable.Repeat(largeLength, largeRows).ToArray());
        var model = Fit(smallRows * smallLength, small, largeRows * largeLength, large);

        var longLength = Math.Min(largeRows * largeLength, maxLength);
        if (longLength > largeLength)
        {
            // The same positions as the larger shape in one row: only attention's pairs differ.
            var rows = Math.Max(1, largeRows * largeLength / longLength);
            var pairs = (rows * (double)longLength * longLength) - (largeRows * (double)largeLength * largeLength);
            var extra = secondsOf(Enumerable.Repeat(longLength, rows).ToArray()) - model.Cost(rows, longLength);
            model = model with { PerAttentionSeconds = Math.Max(0, extra / pairs) };
        }

        if (!unpadded)
        {
            return model;
        }

        int[] mixed = [smallLength, smallLength, smallLength, longLength];
        var real = mixed.Sum();
        var padded = mixed.Length * longLength;
        var attention = model.PerAttentionSeconds * mixed.Length * (double)longLength * longLength;
        var positions = (secondsOf(mixed) - model.PerRunSeconds - attention) / model.PerTokenSeconds;
        var share = padded > real ? (positions - real) / (padded - real) : 1;
        return model with { PaddedShare = double.IsFinite(share) ? Math.Clamp(share, 0, 1) : 1 };
    }

    /// <summary>
    /// The line through two timed runs (token positions, seconds). Both terms stay positive whatever the timings: where
    /// they cannot be separated, a run is taken to cost what a fixed number of token positions costs.
    /// </summary>
    public static BatchCostModel Fit(int smallTokens, double smallSeconds, int largeTokens, double largeSeconds)
    {
        var tokens = (double)(largeTokens - smallTokens);
        var perToken = tokens > 0 ? (largeSeconds - smallSeconds) / tokens : 0;
        var perRun = smallSeconds - (perToken * smallTokens);
        if (perToken <= 0 || perRun <= 0)
        {
            perToken = Math.Max(largeSeconds, 1e-9) / (largeTokens + FallbackPerRunTokens);
            perRun = perToken * FallbackPerRunTokens;
        }

        return new BatchCostModel(perRun, perToken);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{PerRunSeconds * 1000:F3} ms per run + {PerTokenSeconds * 1e6:F2} µs per token position") +
        (PaddedShare < 1 ? string.Create(CultureInfo.InvariantCulture, $" ({PaddedShare:P0} of it on padding too)") : "") +
        string.Create(CultureInfo.InvariantCulture, $" + {PerAttentionSeconds * 1e9:F2} ns per attention pair");

    private static double Fastest(Action<int[]> run, int[] lengths)
    {
        var fastest = double.MaxValue;
        for (var i = 0; i < Repetitions; i++)
        {
            var started = Stopwatch.GetTimestamp();
            run(lengths);
            fastest = Math.Min(fastest, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        return fastest;
    }
}
