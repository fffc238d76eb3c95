namespace Serverless.Training.Choices;

/// <summary>Whether a run weights its classes, whether it chose that, and why.</summary>
/// <param name="Weighted">True when the loss (or the examples, head-only) is weighted by inverse class frequency.</param>
/// <param name="Chosen">True when the request left classWeights null.</param>
/// <param name="Reason">Why, in a short line for people.</param>
public sealed record ClassWeightingDecision(bool Weighted, bool Chosen, string Reason)
{
    /// <summary>The decision as status.json, the lineage and the card record it.</summary>
    public HyperparameterChoice ToChoice() => new(Weighted, Chosen, Reason);
}
