namespace Serverless.Errors;

/// <summary>
/// What a <see cref="ModelNotFoundException"/> looked for: a model without any published version, a version that is not
/// published, or an alias that does not exist. The registry that throws it names no route; the HTTP layer adds the one that
/// publishes, lists or sets what is missing.
/// </summary>
/// <param name="Name">The model (a valid model name).</param>
/// <param name="Version">The version that is not published; null unless a version was asked for.</param>
/// <param name="Alias">The alias that does not exist (a valid alias); null unless an alias was asked for.</param>
public sealed record MissingModel(string Name, string? Version = null, string? Alias = null);
