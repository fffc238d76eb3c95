using Serverless.Classification;

namespace Serverless.Functions;

/// <summary>The answer to a classify request: <c>{"model","version","device","variant","results"}</c>.</summary>
/// <param name="Model">The model that answered.</param>
/// <param name="Version">The version that answered (a number, also when an alias was asked for).</param>
/// <param name="Device">"cpu" or "cuda".</param>
/// <param name="Variant">The variant that answered: "fp32" or "int8".</param>
/// <param name="Results">One classification per text, in the order of the texts.</param>
public sealed record ClassifyResponse(string Model, string Version, string Device, string Variant, IReadOnlyList<TextClassification> Results);
