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
