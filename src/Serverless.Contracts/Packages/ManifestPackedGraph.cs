namespace Serverless.Packages;

/// <summary>A variant's unpadded execution as the manifest records it.</summary>
public sealed record ManifestPackedGraph
{
    /// <summary>The packed graph's file (listed in <see cref="Manifest.Files"/>), or null when the variant serves padded.</summary>
    public string? File { get; init; }

    /// <summary>The parity it was held to against the padded graph, in words.</summary>
    public required string Parity { get; init; }

    /// <summary>Why the variant serves padded (no packed graph could be written, or it failed parity); null when it has one.</summary>
    public string? Unavailable { get; init; }

    /// <summary>How many texts parity was checked on.</summary>
    public int Texts { get; init; }

    /// <summary>The largest |logit difference| against the padded graph over those texts.</summary>
    public double? MaxLogitDifference { get; init; }
}
