using Serverless.Inference;

namespace Serverless.Serving;

/// <summary>
/// A hold on one loaded model version. The engine stays usable until the lease is disposed, even if the version is
/// swapped out or evicted meanwhile: dispose it when the request's work is done.
/// </summary>
public sealed class ModelLease : IDisposable
{
    private Action? _release;

    internal ModelLease(string name, string version, ClassificationEngine engine, Action release)
    {
        Name = name;
        Version = version;
        Engine = engine;
        _release = release;
    }

    /// <summary>The model name.</summary>
    public string Name { get; }

    /// <summary>The version being served, e.g. "3" (an alias is already resolved).</summary>
    public string Version { get; }

    /// <summary>The engine of that version.</summary>
    public ClassificationEngine Engine { get; }

    /// <summary>Releases the hold; the last release of a swapped-out or evicted version disposes its engine.</summary>
    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}

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
