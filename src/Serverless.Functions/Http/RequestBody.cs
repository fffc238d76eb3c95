using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Serverless.Errors;

namespace Serverless.Functions.Http;

/// <summary>Reads a JSON request body within a byte limit, turning every way it can be wrong into a 400 or 413.</summary>
public static class RequestBody
{
    /// <summary>
    /// Reads and parses the body. A declared Content-Length over <paramref name="maxBytes"/> is refused before reading;
    /// an undeclared (chunked) body is refused as soon as it passes the limit, so a huge body is never buffered.
    /// </summary>
    /// <exception cref="UnsupportedMediaTypeException">A body is sent that is not declared <c>application/json</c>.</exception>
    /// <exception cref="PayloadTooLargeException">The body is larger than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="InvalidRequestException">The body is empty or not valid JSON.</exception>
    public static async Task<JsonDocument> ReadJsonAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        RequireJsonMediaType(request);
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

    /// <summary>
    /// A request that carries a body (a Content-Length above zero, or a chunked body) must declare it
    /// <c>application/json</c> or an <c>application/*+json</c> type, in UTF-8 when a charset is given. This also keeps a
    /// browser's "simple" cross-site POST (text/plain, form data) from reaching a function. A request without a body is
    /// left to the body check, which says what to send.
    /// </summary>
    private static void RequireJsonMediaType(HttpRequest request)
    {
        var hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        if (!hasBody || IsJson(request.ContentType))
        {
            return;
        }

        throw new UnsupportedMediaTypeException(string.IsNullOrEmpty(request.ContentType)
            ? "The request has a body but no Content-Type: send it as JSON with \"Content-Type: application/json\"."
            : $"The body is sent as '{CallerInput.Excerpt(request.ContentType)}': send it as JSON with \"Content-Type: application/json\".");
    }

    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return false;
        }

        var type = mediaType.MediaType;
        var json = type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        var charset = mediaType.Charset;
        return json && (!charset.HasValue || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Parses UTF-8 JSON (a leading byte order mark is skipped, as RFC 8259 allows); empty or malformed input is a 400 saying
    /// where it went wrong. Text that is not valid Unicode (ill-formed UTF-8, a lone surrogate escape) and a property name
    /// given twice in one object (compared without regard to case, as the readers match names) are refused too: two
    /// readers must never see one body differently.
    /// </summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8Json)
    {
        if (utf8Json.Span.StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..];
        }

        if (utf8Json.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new InvalidRequestException("The request body is empty: send a JSON object.", ProblemTypes.MalformedJson);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            throw MalformedJson(e);
        }

        try
        {
            CheckTextAndNames(utf8Json.Span);
            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    private static void CheckTextAndNames(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 32 });
        var names = new Stack<HashSet<string>>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    names.Push(new HashSet<string>(StringComparer.OrdinalIgnoreCase));
                    break;
                case JsonTokenType.EndObject:
                    names.Pop();
                    break;
                case JsonTokenType.PropertyName:
                    var name = ReadText(ref reader);
                    if (!names.Peek().Add(name))
                    {
                        throw new InvalidRequestException(
                            $"The property \"{CallerInput.Excerpt(name)}\" appears twice in one object (names match without regard to case): send each property once.",
                            ProblemTypes.DuplicateProperty);
                    }

                    break;
                case JsonTokenType.String when reader.ValueIsEscaped:
                    ReadText(ref reader);
                    break;
                case JsonTokenType.String when !System.Text.Unicode.Utf8.IsValid(reader.ValueSpan):
                    throw NotUnicode(reader.TokenStartIndex);
            }
        }
    }

    private static string ReadText(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw NotUnicode(reader.TokenStartIndex);
        }
    }

    private static InvalidRequestException NotUnicode(long position) =>
        new($"The body holds text that is not valid Unicode at byte {position + 1} (ill-formed UTF-8, or a lone surrogate such as \\ud800): send UTF-8 text.",
            ProblemTypes.MalformedJson);

    /// <summary>The 400 for JSON that does not parse, with the parser's position.</summary>
    public static InvalidRequestException MalformedJson(JsonException e) =>
        new($"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstSentence(e.Message)}",
            ProblemTypes.MalformedJson);

    private static PayloadTooLargeException TooLarge(int maxBytes) =>
        new($"The request body is larger than {maxBytes} bytes: send fewer or shorter texts per request.");

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
