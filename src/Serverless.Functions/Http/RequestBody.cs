using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Serverless.Errors;

namespace Serverless.Functions.Http;

/// <summary>Reads a JSON request body within a byte limit, turning every way it can be wrong into a 400 or 413.</summary>
public static class RequestBody
{
    /// <summary>
    /// Reads and parses the body. A declared Content-Length over <paramref name="maxBytes"/> is refused before reading;
    /// an undeclared (chunked) body is refused as soon as it passes the limit, so a huge body is never buffered.
    /// </summary>
    /// <exception cref="PayloadTooLargeException">The body is larger than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="InvalidRequestException">The body is empty or not valid JSON.</exception>
    public static async Task<JsonDocument> ReadJsonAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, 64 * 1024));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        throw TooLarge(maxBytes);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes + 1, buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxBytes)
                {
                    throw TooLarge(maxBytes);
                }
            }

            // JsonDocument keeps reading the memory it was given, so it gets its own copy, not the pooled buffer.
            return Parse(buffer.AsSpan(0, length).ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses UTF-8 JSON; empty or malformed input is a 400 saying where it went wrong.</summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8Json)
    {
        if (utf8Json.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new InvalidRequestException("The request body is empty: send a JSON object.", "malformed-json", "Malformed JSON");
        }

        try
        {
            return JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            throw MalformedJson(e);
        }
    }

    /// <summary>The 400 for JSON that does not parse, with the parser's position.</summary>
    public static InvalidRequestException MalformedJson(JsonException e) =>
        new($"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstSentence(e.Message)}",
            "malformed-json", "Malformed JSON");

    private static PayloadTooLargeException TooLarge(int maxBytes) =>
        new($"The request body is larger than {maxBytes} bytes: send fewer or shorter texts per request.");

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
