namespace Serverless.Functions.Training;

/// <summary>The answer to <c>POST /api/training</c>: the run id and where to follow it.</summary>
/// <param name="Id">The run id.</param>
/// <param name="StatusUrl">The status document's URL, relative so it is right behind any ingress.</param>
/// <param name="Status">The run's status now.</param>
public sealed record TrainingRunAccepted(string Id, string StatusUrl, string Status);
