namespace Serverless.Functions.Training;

/// <summary>A run has ended with <paramref name="Status"/>: clean up after it.</summary>
public sealed record FinishRunRequest(string RunId, string Model, string Status);
