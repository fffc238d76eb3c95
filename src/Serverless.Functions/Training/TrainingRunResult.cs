namespace Serverless.Functions.Training;

/// <summary>The version a run published and the alias that points at it (null when none does).</summary>
public sealed record TrainingRunResult(string Model, string Version, string? Alias);
