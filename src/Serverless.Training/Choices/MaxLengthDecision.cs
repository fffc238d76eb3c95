namespace Serverless.Training.Choices;

/// <summary>The maximum length a run trains with (and its package serves with), whether it chose it, and why.</summary>
/// <param name="MaxLength">Tokens per text, [CLS] and [SEP] included.</param>
/// <param name="Chosen">True when the request left maxLength null.</param>
/// <param name="Reason">Why, in a short line for people.</param>
public sealed record MaxLengthDecision(int MaxLength, bool Chosen, string Reason)
{
    /// <summary>The decision as status.json, the lineage and the card record it.</summary>
    public HyperparameterChoice ToChoice() => new(MaxLength, Chosen, Reason);
}
