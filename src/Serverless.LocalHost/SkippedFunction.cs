namespace Serverless.LocalHost;

/// <summary>A function the local host cannot serve, and why (it is listed at start and otherwise left alone).</summary>
/// <param name="Name">The function name.</param>
/// <param name="Reason">What the local host lacks for it.</param>
public sealed record SkippedFunction(string Name, string Reason);
