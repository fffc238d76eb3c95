namespace Serverless.Functions.Training;

/// <summary>Whether the alias now points at the version, and where it pointed when it had moved.</summary>
public sealed record PointAliasResult(bool Set, string? Current);
