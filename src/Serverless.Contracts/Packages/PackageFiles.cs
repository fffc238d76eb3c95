namespace Serverless.Packages;

/// <summary>File names of a model package (one version folder in the registry).</summary>
public static class PackageFiles
{
    /// <summary>The ONNX graph: inputs input_ids, attention_mask (+ token_type_ids); output logits or last_hidden_state.</summary>
    public const string Model = "model.onnx";

    /// <summary>Where a transformers.js layout keeps the ONNX graph instead of <see cref="Model"/>.</summary>
    public const string TransformersJsModel = "onnx/" + Model;

    /// <summary>The int8 variant (dynamically quantized weight MatMuls), where transformers.js reads it for <c>dtype: 'q8'</c>.</summary>
    public const string QuantizedModel = "onnx/model_quantized.onnx";

    /// <summary>
    /// The fp32 graph's unpadded execution (token-wise steps on the packed real tokens, attention padded by index): an
    /// execution mode of the fp32 variant, not a variant of its own.
    /// </summary>
    public const string PackedModel = "onnx/model_packed.onnx";

    /// <summary>The int8 variant's unpadded execution.</summary>
    public const string QuantizedPackedModel = "onnx/model_quantized_packed.onnx";

    /// <summary>The unpadded execution file of <paramref name="variant"/> (<see cref="ModelVariants"/>).</summary>
    public static string PackedModelOf(string variant) => variant == ModelVariants.Int8 ? QuantizedPackedModel : PackedModel;

    /// <summary>The WordPiece vocabulary, one token per line.</summary>
    public const string Vocab = "vocab.txt";

    /// <summary>Tokenizer settings: do_lower_case, strip_accents, model_max_length.</summary>
    public const string TokenizerConfig = "tokenizer_config.json";

    /// <summary>The tokenizer in Hugging Face tokenizers format.</summary>
    public const string Tokenizer = "tokenizer.json";

    /// <summary>Hugging Face style model configuration.</summary>
    public const string Config = "config.json";

    /// <summary>sha256 and size of every other file, metrics and lineage. Written last.</summary>
    public const string Manifest = "manifest.json";

    /// <summary>The model card (markdown).</summary>
    public const string Card = "card.md";

    /// <summary>Files every package must have.</summary>
    public static IReadOnlyList<string> Required { get; } = [Model, Vocab, TokenizerConfig, Tokenizer, Config];
}
