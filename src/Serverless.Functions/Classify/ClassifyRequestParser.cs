using System.Text.Json;
using Serverless.Classification;
using Serverless.Errors;
using Serverless.Inference.Tokenization;
using Serverless.Options;
using Serverless.Packages;
using Serverless.Registry;

namespace Serverless.Functions;

/// <summary>
/// Validates the JSON of a classify request — <c>{"texts":[…]}</c> or <c>{"text":"…"}</c>, optional <c>model</c>,
/// <c>version</c> (number or alias), <c>topK</c>, <c>long</c> (<c>truncate</c> or <c>windows</c>) and <c>variant</c>
/// (<c>fp32</c> or <c>int8</c>) — with a specific 400 or 413 for each way it can be wrong.
/// Property names match case-insensitively; unknown properties are ignored (queue messages carry <c>id</c> and <c>replyTo</c>).
/// </summary>
public static class ClassifyRequestParser
{
    private const string Example = "send {\"texts\":[\"first text\",\"second text\"]} or {\"text\":\"one text\"}";

    /// <summary>Parses and validates <paramref name="root"/>.</summary>
    /// <exception cref="InvalidRequestException">Wrong shape, wrong types, empty list, empty text, bad model or version.</exception>
    /// <exception cref="PayloadTooLargeException">More than <see cref="RequestLimitsOptions.MaxTexts"/> texts.</exception>
    public static ClassifyRequest Parse(JsonElement root, RequestLimitsOptions limits)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"The body must be a JSON object, not {Describe(root.ValueKind)}: {Example}.");
        }

        var text = Find(root, "text");
        var texts = Find(root, "texts");
        var list = (text, texts) switch
        {
            (not null, not null) => throw Invalid($"Send either \"text\" or \"texts\", not both: {Example}."),
            (null, null) => throw Invalid($"The body has neither \"text\" nor \"texts\": {Example}."),
            (JsonElement single, null) => [ReadText(single, "text")],
            (null, JsonElement many) => ReadTexts(many, limits.MaxTexts),
        };

        return new ClassifyRequest(
            list, ReadModel(Find(root, "model")), ReadVersion(Find(root, "version")), ReadTopK(Find(root, "topK")), ReadLong(Find(root, "long")),
            ReadVariant(Find(root, "variant")));
    }

    /// <summary>The value of a property matched case-insensitively, or null when absent.</summary>
    public static JsonElement? Find(JsonElement root, string name)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    /// <summary>Reads a version given as a positive integer (number or string) or an alias name; null when absent or null.</summary>
    public static string? ReadVersion(JsonElement? value, string name = "version")
    {
        switch (value?.ValueKind)
        {
            case null or JsonValueKind.Null:
                return null;
            case JsonValueKind.Number when value.Value.TryGetInt64(out var number) && number > 0:
                return number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            case JsonValueKind.Number:
                throw Invalid($"\"{name}\" must be a positive integer version number or an alias such as \"production\".", ProblemTypes.InvalidVersion);
            case JsonValueKind.String when RegistryNames.IsVersionOrAlias(value.Value.GetString()):
                return value.Value.GetString();
            case JsonValueKind.String:
                throw Invalid($"\"{name}\" must be a version number such as \"3\" or an alias such as \"production\" (lower-case letters, digits and hyphens).", ProblemTypes.InvalidVersion);
            default:
                throw Invalid($"\"{name}\" must be a string or a number, not {Describe(value.Value.ValueKind)}.", ProblemTypes.InvalidVersion);
        }
    }

    private static string ReadText(JsonElement value, string where) => value.ValueKind switch
    {
        // Only whitespace, NUL or control characters: the tokenizer would see nothing but [CLS] [SEP].
        JsonValueKind.String when !BertTextTokenizer.HasContent(value.GetString()!) =>
            throw Invalid($"{where} is empty: every text must contain something to classify (whitespace and control characters do not count).", ProblemTypes.EmptyText),
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null => throw Invalid($"{where} is null: every text must be a non-empty string."),
        _ => throw Invalid($"{where} must be a string, not {Describe(value.ValueKind)}."),
    };

    private static string[] ReadTexts(JsonElement value, int maxTexts)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"\"texts\" must be an array of strings, not {Describe(value.ValueKind)}: {Example}.");
        }

        var count = value.GetArrayLength();
        if (count == 0)
        {
            throw Invalid("\"texts\" is empty: send at least one text.", ProblemTypes.EmptyTexts);
        }

        if (count > maxTexts)
        {
            throw new PayloadTooLargeException($"The request has {count} texts; at most {maxTexts} are allowed per request: split it into several requests.");
        }

        var texts = new string[count];
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            texts[index] = ReadText(item, $"texts[{index}]");
            index++;
        }

        return texts;
    }

    private static string? ReadModel(JsonElement? value) => value?.ValueKind switch
    {
        null or JsonValueKind.Null => null,
        JsonValueKind.String => ModelNames.Validate(value.Value.GetString()),
        _ => throw Invalid($"\"model\" must be a model name string, not {Describe(value.Value.ValueKind)}."),
    };

    private static int? ReadTopK(JsonElement? value) => value?.ValueKind switch
    {
        null or JsonValueKind.Null => null,
        JsonValueKind.Number when value.Value.TryGetInt32(out var k) && k >= 1 => k,
        _ => throw Invalid("\"topK\" must be an integer of at least 1 (leave it out for all labels).", ProblemTypes.InvalidTopK),
    };

    private static LongTextMode ReadLong(JsonElement? value) => value?.ValueKind switch
    {
        null or JsonValueKind.Null => LongTextMode.Truncate,
        JsonValueKind.String when value.Value.ValueEquals("truncate") => LongTextMode.Truncate,
        JsonValueKind.String when value.Value.ValueEquals("windows") => LongTextMode.Windows,
        JsonValueKind.String => throw Invalid($"\"long\" must be \"truncate\" (the default: keep the first tokens that fit) or \"windows\" (classify overlapping windows of the model's length and pool them), not '{CallerInput.Excerpt(value.Value.GetString())}'."),
        _ => throw Invalid($"\"long\" must be the string \"truncate\" or \"windows\", not {Describe(value.Value.ValueKind)}."),
    };

    private static string? ReadVariant(JsonElement? value) => value?.ValueKind switch
    {
        null or JsonValueKind.Null => null,
        JsonValueKind.String when value.Value.ValueEquals(ModelVariants.Fp32) => ModelVariants.Fp32,
        JsonValueKind.String when value.Value.ValueEquals(ModelVariants.Int8) => ModelVariants.Int8,
        JsonValueKind.String => throw Invalid($"\"variant\" must be \"{ModelVariants.Fp32}\" or \"{ModelVariants.Int8}\" (leave it out for the model's default), not '{CallerInput.Excerpt(value.Value.GetString())}'.", ProblemTypes.InvalidVariant),
        _ => throw Invalid($"\"variant\" must be the string \"{ModelVariants.Fp32}\" or \"{ModelVariants.Int8}\", not {Describe(value.Value.ValueKind)}.", ProblemTypes.InvalidVariant),
    };


    private static InvalidRequestException Invalid(string detail, ProblemType? problem = null) => new(detail, problem);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
