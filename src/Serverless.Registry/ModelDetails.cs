namespace Serverless.Registry;

/// <summary>One model with the manifest of every published version.</summary>
public sealed record ModelDetails(string Name, IReadOnlyList<ModelVersionDetails> Versions, IReadOnlyDictionary<string, string> Aliases);
