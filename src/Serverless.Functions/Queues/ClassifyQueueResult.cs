using Serverless.Classification;

namespace Serverless.Functions.Queues;

/// <summary>A classify result on the results queue: <c>{"id","model","version","device","variant","results"}</c>.</summary>
public sealed record ClassifyQueueResult(string Id, string Model, string Version, string Device, string Variant, IReadOnlyList<TextClassification> Results);
