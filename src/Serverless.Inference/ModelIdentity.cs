namespace Serverless.Inference;

/// <summary>Which model version an engine serves, for logs and metric tags.</summary>
/// <param name="Name">Model name, e.g. "spam".</param>
/// <param name="Version">Version number, e.g. "3".</param>
public sealed record ModelIdentity(string Name, string Version)
{
    /// <summary>Used when the caller does not say which model it is.</summary>
    public static ModelIdentity Unknown { get; } = new("unknown", "unknown");
}
