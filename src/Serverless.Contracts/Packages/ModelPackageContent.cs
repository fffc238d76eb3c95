using System.Text.Json.Nodes;

namespace Serverless.Packages;

/// <summary>Everything a package holds, in memory.</summary>
public sealed record ModelPackageContent
{
    public required byte[] Model { get; init; }
    public required IReadOnlyList<string> Vocab { get; init; }
    public required TokenizerConfig TokenizerConfig { get; init; }
    public required ModelConfig Config { get; init; }

    /// <summary>Card, plots and other files, by relative path.</summary>
    public IReadOnlyDictionary<string, byte[]>? ExtraFiles { get; init; }

    public JsonObject? Metrics { get; init; }
    public Lineage? Lineage { get; init; }
}
