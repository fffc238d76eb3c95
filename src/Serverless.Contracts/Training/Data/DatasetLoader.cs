using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Serverless.Training.Data;

/// <summary>
/// Loads labelled datasets from JSONL or CSV, with the text and label fields a job names. Every problem is a
/// <see cref="DatasetException"/> naming the line or row and what to do. Labels may be strings, numbers or booleans in
/// JSONL; they become strings. A slice field, when named, is read the same way; an example where it is missing, null or
/// empty belongs to the slice <see cref="DatasetFields.NoSlice"/>, but a slice field that no example has is an error (a
/// misspelt name would otherwise put every text in one slice).
/// </summary>
public static class DatasetLoader
{
    /// <summary>
    /// Longest label, in UTF-16 code units. Labels are class names: they name logits in config.json, scores in every
    /// classify response and rows of the model card.
    /// </summary>
    public const int MaxLabelLength = 100;

    /// <summary>Most distinct labels a dataset may have: each is a logit of every prediction and a row and column of the card.</summary>
    public const int MaxLabels = 1000;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The format a file or blob name implies: .jsonl/.ndjson/.json → JSONL, .csv → CSV.</summary>
    /// <exception cref="DatasetException">The extension is none of these.</exception>
    public static DatasetFormat FormatOf(string name) => Path.GetExtension(name).ToUpperInvariant() switch
    {
        ".JSONL" or ".NDJSON" or ".JSON" => DatasetFormat.JsonLines,
        ".CSV" => DatasetFormat.Csv,
        _ => throw new DatasetException(
            $"{name}: unknown dataset format. Use a .jsonl file (one JSON object per line) or a .csv file with a header row."),
    };

    /// <summary>Loads a dataset file; the format follows from its extension.</summary>
    public static LabelledDataset LoadFile(string path, DatasetFields? fields = null)
    {
        if (!File.Exists(path))
        {
            throw new DatasetException($"{path}: the dataset file does not exist. Check the path.");
        }

        return Parse(File.ReadAllBytes(path), path, FormatOf(path), fields);
    }

    /// <summary>Parses dataset bytes (a file's or a blob's content).</summary>
    /// <param name="content">The raw bytes; UTF-8, with or without a byte order mark.</param>
    /// <param name="source">Name used in messages and lineage.</param>
    /// <param name="format">JSONL or CSV.</param>
    /// <param name="fields">Text and label field names; default "text" and "label".</param>
    public static LabelledDataset Parse(ReadOnlySpan<byte> content, string source, DatasetFormat format, DatasetFields? fields = null)
    {
        fields ??= DatasetFields.Default;
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(content));
        string text;
        try
        {
            text = s_strictUtf8.GetString(content.StartsWith(Encoding.UTF8.Preamble) ? content[3..] : content);
        }
        catch (DecoderFallbackException)
        {
            throw new DatasetException($"{source}: the file is not valid UTF-8 text. Save it as UTF-8.");
        }

        var examples = format == DatasetFormat.Csv ? ParseCsv(text, source, fields) : ParseJsonLines(text, source, fields);
        if (examples.Count == 0)
        {
            throw new DatasetException(
                $"{source}: the dataset is empty. It needs labelled examples: one per line in JSONL, or one per row under a header row in CSV.");
        }

        var labels = examples.Select(e => e.Label).Distinct(StringComparer.Ordinal).Count();
        if (labels > MaxLabels)
        {
            throw new DatasetException(
                $"{source}: the dataset has {labels} distinct labels; at most {MaxLabels} are allowed. Labels are classes: " +
                "check that the label field holds a class name (not a free text or an id), or merge rare labels.");
        }

        return new LabelledDataset(source, sha256, examples);
    }

    private static List<LabelledExample> ParseJsonLines(string text, string source, DatasetFields fields)
    {
        var examples = new List<LabelledExample>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonObject item;
            try
            {
                item = JsonNode.Parse(line) as JsonObject
                    ?? throw new DatasetException($"{source}: line {lineNumber} is not a JSON object. Each line must be one object such as {{\"{fields.TextField}\":\"…\",\"{fields.LabelField}\":\"…\"}}.");
            }
            catch (JsonException ex)
            {
                throw new DatasetException(
                    $"{source}: line {lineNumber} is not valid JSON ({ex.Message}). Each line must be one complete JSON object; a text with line breaks writes them as \\n.");
            }

            var where = $"{source}: line {lineNumber}";
            var available = string.Join(", ", item.Select(p => p.Key));
            var label = LabelOf(item[fields.LabelField], where);
            var textValue = item[fields.TextField] switch
            {
                null => throw MissingField(where, "text", fields.TextField, "textField", available),
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                var other => throw new DatasetException(
                    $"{where}: the text field '{fields.TextField}' is {other.GetValueKind().ToString().ToLowerInvariant()}, not a string. Write the text as a JSON string."),
            };
            var slice = fields.SliceField is null ? null : SliceOf(item[fields.SliceField], where, fields.SliceField);
            examples.Add(Example(textValue, label ?? throw MissingField(where, "label", fields.LabelField, "labelField", available), slice, where, fields));
        }

        if (fields.SliceField is not null && examples.Count > 0 && examples.All(e => e.Slice == DatasetFields.NoSlice))
        {
            throw new DatasetException(
                $"{source}: no line has a value in the slice field '{fields.SliceField}'. Set sliceField in the training request to a field the lines have, or leave it out.");
        }

        return examples;
    }

    private static string SliceOf(JsonNode? node, string where, string sliceField) => node switch
    {
        null => DatasetFields.NoSlice,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
        _ => throw new DatasetException(
            $"{where}: the slice field '{sliceField}' is {node.GetValueKind().ToString().ToLowerInvariant()}; use a string, number or boolean."),
    };

    private static string? LabelOf(JsonNode? node, string where) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False =>
            v.ToJsonString(),
        _ => throw new DatasetException($"{where}: the label is {node.GetValueKind().ToString().ToLowerInvariant()}; use a string, number or boolean."),
    };

    private static List<LabelledExample> ParseCsv(string text, string source, DatasetFields fields)
    {
        var (header, rows) = CsvReader.Read(text, source);
        if (header.Count == 0)
        {
            return [];
        }

        var available = string.Join(", ", header);
        var textColumn = IndexOf(header, fields.TextField);
        var labelColumn = IndexOf(header, fields.LabelField);
        if (textColumn < 0)
        {
            throw MissingField($"{source}: header", "text", fields.TextField, "textField", available);
        }

        if (labelColumn < 0)
        {
            throw MissingField($"{source}: header", "label", fields.LabelField, "labelField", available);
        }

        var sliceColumn = fields.SliceField is null ? -1 : IndexOf(header, fields.SliceField);
        if (fields.SliceField is not null && sliceColumn < 0)
        {
            throw MissingField($"{source}: header", "slice", fields.SliceField, "sliceField", available);
        }

        return rows
            .Select(r => Example(
                r.Fields[textColumn], r.Fields[labelColumn], sliceColumn < 0 ? null : r.Fields[sliceColumn], $"{source}: row {r.Row} (line {r.Line})", fields))
            .ToList();
    }

    private static int IndexOf(IReadOnlyList<string> header, string name)
    {
        for (var i = 0; i < header.Count; i++)
        {
            if (string.Equals(header[i].Trim(), name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static LabelledExample Example(string text, string label, string? slice, string where, DatasetFields fields)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new DatasetException($"{where}: the text field '{fields.TextField}' is empty. Remove the example or give it a text.");
        }

        label = label.Trim();
        if (label.Length == 0)
        {
            throw new DatasetException($"{where}: the label field '{fields.LabelField}' is empty. Every example needs a label.");
        }

        if (label.Length > MaxLabelLength)
        {
            throw new DatasetException(
                $"{where}: the label in field '{fields.LabelField}' is {label.Length} characters long; at most {MaxLabelLength} are allowed. " +
                "A label is a class name: check that the label field is the right one, or shorten the label.");
        }

        slice = slice?.Trim();
        if (slice is { Length: > MaxLabelLength })
        {
            throw new DatasetException(
                $"{where}: the value in the slice field '{fields.SliceField}' is {slice.Length} characters long; at most {MaxLabelLength} are allowed. " +
                "A slice value names a group of texts (a source, a language, a product): check that the slice field is the right one.");
        }

        return new LabelledExample(text, label, slice is null ? null : slice.Length == 0 ? DatasetFields.NoSlice : slice);
    }

    private static DatasetException MissingField(string where, string role, string name, string setting, string available) =>
        new($"{where}: the {role} field '{name}' is missing (fields present: {(available.Length == 0 ? "none" : available)}). " +
            $"Add it, or set {setting} in the training request to the field that holds the {role}.");
}
