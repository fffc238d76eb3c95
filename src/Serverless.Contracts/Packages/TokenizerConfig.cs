using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Packages;

/// <summary>tokenizer_config.json in Hugging Face style.</summary>
public sealed record TokenizerConfig
{
    public bool DoLowerCase { get; init; } = true;

    /// <summary>Null means "follow do_lower_case", as in Hugging Face's BertTokenizer.</summary>
    public bool? StripAccents { get; init; }

    public bool TokenizeChineseChars { get; init; } = true;
    [JsonConverter(typeof(ClampedInt32JsonConverter))]
    public int ModelMaxLength { get; init; } = 512;
    public string UnkToken { get; init; } = "[UNK]";
    public string SepToken { get; init; } = "[SEP]";
    public string PadToken { get; init; } = "[PAD]";
    public string ClsToken { get; init; } = "[CLS]";
    public string MaskToken { get; init; } = "[MASK]";
    public string TokenizerClass { get; init; } = "BertTokenizer";

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>Whether accents are stripped, resolved as Hugging Face does.</summary>
    [JsonIgnore]
    public bool StripsAccents => StripAccents ?? DoLowerCase;
}
