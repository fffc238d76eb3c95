using Azure;

namespace Serverless.Functions.Queues;

/// <summary>An answer kept in the results container.</summary>
/// <param name="Answer">The result message as it was first sent.</param>
/// <param name="RequestHash">The hash of the request it answers (<see cref="ClassifyRequestHash"/>); null for a blob stored without one.</param>
/// <param name="Expired">Older than the retention: never replayed, recomputed instead.</param>
/// <param name="ETag">The blob's ETag, the condition for replacing it.</param>
public sealed record StoredResult(string Answer, string? RequestHash, bool Expired, ETag ETag);
