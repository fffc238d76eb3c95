namespace Serverless.Serving;

/// <summary>One loaded version, for /api/health.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Version">Version number.</param>
/// <param name="Aliases">Served aliases that point at this version.</param>
/// <param name="Device">"cpu" or "cuda".</param>
/// <param name="Variant">The variant that serves requests naming none (fp32 or int8).</param>
/// <param name="Variants">Every variant the version has.</param>
/// <param name="Execution">How that variant runs: "unpadded" (its packed graph) or "padded".</param>
/// <param name="PaddedReason">Why it runs padded; null when it runs unpadded.</param>
public sealed record LoadedModelInfo(
    string Name, string Version, IReadOnlyList<string> Aliases, string Device, string Variant, IReadOnlyList<string> Variants,
    string Execution, string? PaddedReason);
