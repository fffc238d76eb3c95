namespace Serverless.Registry;

/// <summary>Where an alias must point for a conditional alias write to go ahead.</summary>
/// <param name="Version">The version the alias must point at now; null when the alias must not exist yet.</param>
public sealed record AliasPrecondition(string? Version);
