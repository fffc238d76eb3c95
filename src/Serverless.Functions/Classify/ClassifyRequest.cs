using System.Text.Json.Serialization;
using Serverless.Classification;

namespace Serverless.Functions;

/// <summary>A validated classify request, from HTTP or a queue message.</summary>
/// <param name="Texts">The texts, in order; never empty, no empty item.</param>
/// <param name="Model">Model name, or null for the configured default.</param>
/// <param name="Version">Version number or alias, or null for the configured default alias.</param>
/// <param name="TopK">How many labels to keep per text, or null for all.</param>
/// <param name="Long">What to do with texts longer than the model's maximum length: truncate (the default) or windows.</param>
/// <param name="Variant">"fp32" or "int8", or null for the model's default variant.</param>
public sealed record ClassifyRequest(
    IReadOnlyList<string> Texts,
    string? Model = null,
    string? Version = null,
    int? TopK = null,
    // Left out of the queue idempotency hash when it is the default, so requests that never say "long" keep the hash they
    // had before the field existed and their stored answers still match.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] LongTextMode Long = LongTextMode.Truncate,
    // Likewise part of the hash only when given.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Variant = null);
