using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Functions.Queues;

namespace Serverless.Functions;

/// <summary>
/// Source-generated serialization metadata for what the classify paths write on every request and message (no reflection
/// on the hot path); <see cref="FunctionsJson.Options"/> resolves these types here and every other type by reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ClassifyResponse))]
[JsonSerializable(typeof(ClassifyQueueResult))]
[JsonSerializable(typeof(ClassifyQueueError))]
[JsonSerializable(typeof(ClassifyQueueResultPointer))]
internal sealed partial class FunctionsJsonContext : JsonSerializerContext;
