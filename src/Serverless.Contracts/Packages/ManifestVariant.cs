namespace Serverless.Packages;

/// <summary>One variant of a version as the manifest records it.</summary>
public sealed record ManifestVariant
{
    /// <summary>The variant's model file (listed in <see cref="Manifest.Files"/>), or null when it was dropped.</summary>
    public string? File { get; init; }

    /// <summary>The gate it was held to, in words (e.g. "validation accuracy and macro_f1 within 0.5 points of fp32").</summary>
    public required string Gate { get; init; }

    /// <summary>Why the variant was dropped; null when it was kept.</summary>
    public string? Dropped { get; init; }

    /// <summary>How many texts the gate scored.</summary>
    public int Texts { get; init; }

    /// <summary>The variant's accuracy on the validation split (null when the gate had no labels).</summary>
    public double? Accuracy { get; init; }

    /// <summary>The variant's macro-F1 on the validation split (null when the gate had no labels).</summary>
    public double? MacroF1 { get; init; }

    /// <summary>The fp32 graph's accuracy on the same texts.</summary>
    public double? Fp32Accuracy { get; init; }

    /// <summary>The fp32 graph's macro-F1 on the same texts.</summary>
    public double? Fp32MacroF1 { get; init; }

    /// <summary>The share of texts whose arg-max label the variant and fp32 agree on.</summary>
    public double Agreement { get; init; }
}
