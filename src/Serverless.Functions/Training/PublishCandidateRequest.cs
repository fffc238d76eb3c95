namespace Serverless.Functions.Training;

/// <summary>Publish the run's candidate package as the next version of the model.</summary>
public sealed record PublishCandidateRequest(string RunId, string Model);
