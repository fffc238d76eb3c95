using System.Diagnostics;
using System.Globalization;

namespace Serverless.Inference;

/// <summary>
/// What one model run costs, in seconds: a fixed <see cref="PerRunSeconds"/> (hand-off, kernel launches, thread wake-ups)
/// plus <see cref="PerTokenSeconds"/> for every token position the run computes, padding included. Calibrated once per
/// model at load (<see cref="Calibrate"/>); the scheduler uses it to cut each generation into batches
/// (<see cref="BatchPartitioner"/>).
/// </summary>
/// <param name="PerRunSeconds">The fixed cost of one run.</param>
/// <param name="PerTokenSeconds">The cost of one token position (rows × padded length).</param>
internal sealed record BatchCostModel(double PerRunSeconds, double PerTokenSeconds)
{
    // Where a measurement cannot separate the two terms (noise on a busy machine), a run is assumed to cost what this many
    // token positions cost: large batches stay preferred, padding still counts.
    private const double FallbackPerRunTokens = 64;

    // Each shape runs this often; the fastest run counts, as other work on the machine only ever adds time.
    private const int Repetitions = 3;

    /// <summary>The cost of one run of <paramref name="rows"/> texts padded to <paramref name="paddedLength"/> tokens.</summary>
    public double Cost(int rows, int paddedLength) => PerRunSeconds + (PerTokenSeconds * rows * paddedLength);

    /// <summary>
    /// Times a small and a larger batch shape (<paramref name="run"/> takes rows and padded length, both within
    /// <paramref name="maxLength"/>) and fits the two terms through them with <see cref="Fit"/>.
    /// </summary>
    public static BatchCostModel Calibrate(Action<int, int> run, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (smallRows, smallLength) = (1, Math.Min(8, maxLength));
        var (largeRows, largeLength) = (4, Math.Min(64, maxLength));
        var small = Fastest(run, smallRows, smallLength);
        var large = Fastest(run, largeRows, largeLength);
        return Fit(smallRows * smallLength, small, largeRows * largeLength, large);
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
        $"{PerRunSeconds * 1000:F3} ms per run + {PerTokenSeconds * 1e6:F2} µs per token position");

    private static double Fastest(Action<int, int> run, int rows, int length)
    {
        var fastest = double.MaxValue;
        for (var i = 0; i < Repetitions; i++)
        {
            var started = Stopwatch.GetTimestamp();
            run(rows, length);
            fastest = Math.Min(fastest, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        return fastest;
    }
}
