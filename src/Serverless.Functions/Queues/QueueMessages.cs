using Serverless.Classification;

namespace Serverless.Functions.Queues;

/// <summary>A classify result on the results queue: <c>{"id","model","version","device","variant","results"}</c>.</summary>
public sealed record ClassifyQueueResult(string Id, string Model, string Version, string Device, string Variant, IReadOnlyList<TextClassification> Results);

/// <summary>
/// The answer to a message that cannot be classified: <c>{"id","error":{"type","title","detail"}}</c>. <see cref="Id"/> is
/// null when the message had no valid id (not JSON, no id, or an id outside the allowed characters).
/// </summary>
public sealed record ClassifyQueueError(string? Id, QueueProblem Error);

/// <summary>The problem of a <see cref="ClassifyQueueError"/>, with the same type and title as over HTTP.</summary>
public sealed record QueueProblem(string Type, string Title, string Detail);

/// <summary>A result too large for a queue message: <c>{"id","resultBlob":"results/{id}.json"}</c> (container/blob).</summary>
public sealed record ClassifyQueueResultPointer(string Id, string ResultBlob);
