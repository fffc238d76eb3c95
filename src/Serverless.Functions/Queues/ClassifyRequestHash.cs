using System.Security.Cryptography;
using System.Text.Json;

namespace Serverless.Functions.Queues;

/// <summary>
/// What a queue message asked, as a hash that binds a stored answer to its request: SHA-256 over the validated
/// <see cref="ClassifyRequest"/> — texts (<c>text</c> is a one-item <c>texts</c>), model, version, topK and long as sent
/// (long only when not the default, so older stored answers still match), and every field the record gains later, since
/// the whole record is hashed.
/// </summary>
public static class ClassifyRequestHash
{
    // Fixed options: the hash must not change when the app's JSON settings do, or every stored answer would conflict.
    private static readonly JsonSerializerOptions s_canonical = new();

    /// <summary>The lower-case hex SHA-256 of <paramref name="request"/>.</summary>
    public static string Of(ClassifyRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, s_canonical)));
}
