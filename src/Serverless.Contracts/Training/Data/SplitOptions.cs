namespace Serverless.Training.Data;

/// <summary>How a dataset is split when no separate validation or test data is given.</summary>
/// <param name="ValidationFraction">Share of each class drawn for validation (default 0.1).</param>
/// <param name="TestFraction">Share of each class drawn for the test (default 0.1).</param>
/// <param name="Seed">Seed of the draw; the same data and seed always give the same split.</param>
public sealed record SplitOptions(double ValidationFraction = 0.1, double TestFraction = 0.1, int Seed = 42)
{
    /// <summary>80/10/10 with seed 42.</summary>
    public static SplitOptions Default { get; } = new();
}
