namespace Serverless.Functions.Queues;

/// <summary>
/// The answer to a message that cannot be classified: <c>{"id","error":{"type","title","detail"}}</c>. <see cref="Id"/> is
/// null when the message had no valid id (not JSON, no id, or an id outside the allowed characters).
/// </summary>
public sealed record ClassifyQueueError(string? Id, QueueProblem Error);
