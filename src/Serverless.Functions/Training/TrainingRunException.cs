namespace Serverless.Functions.Training;

/// <summary>A training run cannot go on, for a reason retrying will not change; its message is what the run's status shows.</summary>
public sealed class TrainingRunException(string message) : Exception(message);
