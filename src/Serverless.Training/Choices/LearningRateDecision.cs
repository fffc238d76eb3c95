namespace Serverless.Training.Choices;

/// <summary>The learning rates a run tries, whether it chose them, and why.</summary>
/// <param name="Rates">The rates, in the order they are tried; one when the request gave it.</param>
/// <param name="Chosen">True when the request left learningRate null.</param>
/// <param name="Reason">Why, in a short line for people.</param>
public sealed record LearningRateDecision(IReadOnlyList<double> Rates, bool Chosen, string Reason)
{
    /// <summary>The decision as status.json, the lineage and the card record it, once <paramref name="kept"/> is known (else the first rate).</summary>
    public HyperparameterChoice ToChoice(double? kept = null, string? outcome = null) =>
        new(kept ?? Rates[0], Chosen, outcome is null ? Reason : Reason + "; " + outcome);
}
