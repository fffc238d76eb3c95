namespace Serverless.Registry;

/// <summary>The label index each variant predicts per text, in the order of the texts.</summary>
public sealed record VariantPredictions(IReadOnlyList<int> Fp32, IReadOnlyList<int> Int8)
{
    /// <summary>The share of texts on which both variants predict the same label (1 for no texts).</summary>
    public double Agreement => Fp32.Count == 0 ? 1 : Fp32.Zip(Int8).Count(p => p.First == p.Second) / (double)Fp32.Count;
}
