using System.Text.Json.Nodes;

namespace Serverless.Packages;

/// <summary>Builds tokenizer.json (Hugging Face tokenizers format) for a BERT WordPiece vocabulary.</summary>
public static class HuggingFaceTokenizerJson
{
    /// <summary>Returns the tokenizer.json text for a vocabulary and its settings.</summary>
    public static string Create(IReadOnlyList<string> vocab, TokenizerConfig config)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < vocab.Count; i++)
        {
            ids.TryAdd(vocab[i], i);
        }

        int IdOf(string token) => ids.TryGetValue(token, out var id)
            ? id
            : throw new Errors.InvalidModelPackageException($"The vocabulary has no special token {token}.");

        var special = new[] { config.PadToken, config.UnkToken, config.ClsToken, config.SepToken, config.MaskToken };
        var addedTokens = new JsonArray(special.Where(ids.ContainsKey).OrderBy(IdOf).Select(t => (JsonNode)new JsonObject
        {
            ["id"] = IdOf(t), ["content"] = t, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
            ["normalized"] = false, ["special"] = true,
        }).ToArray());

        JsonObject Special(string token, int typeId) => new() { ["SpecialToken"] = new JsonObject { ["id"] = token, ["type_id"] = typeId } };
        JsonObject Sequence(string id, int typeId) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };
        JsonObject SpecialEntry(string token) => new() { ["id"] = token, ["ids"] = new JsonArray(IdOf(token)), ["tokens"] = new JsonArray(token) };

        var vocabObject = new JsonObject();
        foreach (var (token, id) in ids.OrderBy(kv => kv.Value))
        {
            vocabObject[token] = id;
        }

        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = addedTokens,
            ["normalizer"] = new JsonObject
            {
                ["type"] = "BertNormalizer",
                ["clean_text"] = true,
                ["handle_chinese_chars"] = config.TokenizeChineseChars,
                ["strip_accents"] = config.StripAccents,
                ["lowercase"] = config.DoLowerCase,
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special(config.ClsToken, 0), Sequence("A", 0), Special(config.SepToken, 0)),
                ["pair"] = new JsonArray(Special(config.ClsToken, 0), Sequence("A", 0), Special(config.SepToken, 0), Sequence("B", 1), Special(config.SepToken, 1)),
                ["special_tokens"] = new JsonObject
                {
                    [config.ClsToken] = SpecialEntry(config.ClsToken),
                    [config.SepToken] = SpecialEntry(config.SepToken),
                },
            },
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "WordPiece",
                ["unk_token"] = config.UnkToken,
                ["continuing_subword_prefix"] = "##",
                ["max_input_chars_per_word"] = 100,
                ["vocab"] = vocabObject,
            },
        };
        return root.ToJsonString();
    }
}
