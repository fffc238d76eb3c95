namespace Serverless.Functions.Training;

/// <summary>Point an alias at a version; with <paramref name="Precondition"/>, only while the alias still points there.</summary>
/// <param name="Model">The model.</param>
/// <param name="Alias">The alias.</param>
/// <param name="Version">The version it should point at.</param>
/// <param name="Conditional">True to require <paramref name="Precondition"/>.</param>
/// <param name="Precondition">The version the alias must point at now; null when it must not exist.</param>
public sealed record PointAliasRequest(string Model, string Alias, string Version, bool Conditional, string? Precondition);
