namespace Serverless.Functions.Queues;

/// <summary>The problem of a <see cref="ClassifyQueueError"/>, with the same type and title as over HTTP.</summary>
public sealed record QueueProblem(string Type, string Title, string Detail);
