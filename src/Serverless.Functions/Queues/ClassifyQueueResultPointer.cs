namespace Serverless.Functions.Queues;

/// <summary>A result too large for a queue message: <c>{"id","resultBlob":"results/{id}.json"}</c> (container/blob).</summary>
public sealed record ClassifyQueueResultPointer(string Id, string ResultBlob);
