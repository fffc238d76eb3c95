using Serverless.Errors;
using Serverless.Onnx;
using Serverless.Packages;

using TorchSharp.Modules;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Serverless.Training.FineTuning;

/// <summary>
/// A BERT-family encoder (embeddings and self-attention layers, no pooler) with a classification head (CLS or mean
/// pooling, dropout, linear) in TorchSharp. Parameter names are Hugging Face's BertModel names plus
/// <c>classifier.weight</c>/<c>classifier.bias</c>, so weights copy name for name to and from <see cref="BertWeights"/>;
/// Linear weights are [out, in]. Forward takes int64 input_ids, attention_mask and token_type_ids [batch, sequence] and
/// returns logits [batch, labels].
/// </summary>
public sealed class BertClassifier : Module<Tensor, Tensor, Tensor, Tensor>
{
    /// <summary>CLS pooling: the first token's hidden state.</summary>
    public const string ClsPooling = TrainingHyperparameters.ClsPooling;

    /// <summary>Mean pooling over the tokens the attention mask keeps.</summary>
    public const string MeanPooling = TrainingHyperparameters.MeanPooling;

    private readonly BertEmbeddings _embeddings;
    private readonly BertEncoder _encoder;
    private readonly Dropout _dropout;
    private readonly Linear _classifier;

    /// <summary>Builds the model with freshly initialised weights (normal(0, 0.02) as Hugging Face does), on the CPU.</summary>
    /// <param name="config">The encoder's configuration (sizes, dropout, layer-norm epsilon).</param>
    /// <param name="labels">Number of output labels.</param>
    /// <param name="pooling"><see cref="ClsPooling"/> or <see cref="MeanPooling"/>.</param>
    /// <param name="seed">Seed of the initial weights (the head's, when the encoder's are loaded afterwards).</param>
    public BertClassifier(ModelConfig config, int labels, string pooling, int seed) : base(nameof(BertClassifier))
    {
        ArgumentNullException.ThrowIfNull(config);
        Validate(config, labels, pooling);
        Config = config;
        Labels = labels;
        Pooling = pooling;

        _embeddings = new BertEmbeddings(config);
        _encoder = new BertEncoder(config);
        _dropout = Dropout(config.HiddenDropoutProb);
        _classifier = Linear(config.HiddenSize, labels);
        register_module("embeddings", _embeddings);
        register_module("encoder", _encoder);
        register_module("dropout", _dropout);
        register_module("classifier", _classifier);
        InitialiseWeights(seed);
    }

    /// <summary>The encoder configuration the model was sized from.</summary>
    public ModelConfig Config { get; }

    /// <summary>Number of output labels.</summary>
    public int Labels { get; }

    /// <summary>Pooling of the head: "cls" or "mean".</summary>
    public string Pooling { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var hidden = _encoder.call(_embeddings.call(inputIds, tokenTypeIds), attentionMask);
        Tensor pooled;
        if (Pooling == MeanPooling)
        {
            var mask = attentionMask.unsqueeze(-1).to_type(hidden.dtype);
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9);
        }
        else
        {
            pooled = hidden.select(1, 0);
        }

        return _classifier.call(_dropout.call(pooled)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Copies <paramref name="weights"/> into the model, name for name. The encoder's parameters are required; the
    /// head's are taken when <paramref name="includeHead"/> and present with this model's label count, otherwise the
    /// fresh head stays.
    /// </summary>
    /// <returns>True when the head was loaded too.</returns>
    /// <exception cref="InvalidModelPackageException">A parameter is missing or has another shape; the message lists them.</exception>
    public bool LoadWeights(BertWeights weights, bool includeHead = true)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var withHead = includeHead && weights.TryGet("classifier.weight", out var head) && head.Shape.SequenceEqual([Labels, Config.HiddenSize])
            && weights.Contains("classifier.bias");
        weights.Validate(Config, withHead ? Labels : 0);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (!withHead && name.StartsWith("classifier.", StringComparison.Ordinal))
            {
                continue;
            }

            var source = weights[name];
            using var values = tensor(source.Data, source.Shape.Select(d => (long)d).ToArray());
            parameter.copy_(values);
        }

        return withHead;
    }

    /// <summary>The model's parameters (encoder and head) as <see cref="BertWeights"/>, copied to the CPU.</summary>
    public BertWeights ToWeights()
    {
        var weights = new BertWeights();
        using (var noGrad = no_grad())
        {
            foreach (var (name, parameter) in named_parameters())
            {
                using var cpu = parameter.detach().cpu().contiguous();
                weights.Set(name, cpu.data<float>().ToArray(), cpu.shape.Select(d => (int)d).ToArray());
            }
        }

        // The module's finalizer frees its parameters; keep it alive until every tensor has been copied out.
        GC.KeepAlive(this);
        return weights;
    }

    /// <summary>The classifier config to export with: the encoder's config with labels, problem type and pooling.</summary>
    public ModelConfig ExportConfig(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != Labels)
        {
            throw new ArgumentException($"The model has {Labels} outputs but {labels.Count} labels were given.", nameof(labels));
        }

        return Config.WithLabels(labels) with { Pooling = Pooling };
    }

    private void InitialiseWeights(int seed)
    {
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed, CPU);
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("LayerNorm.weight", StringComparison.Ordinal))
            {
                parameter.fill_(1.0);
            }
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                parameter.zero_();
            }
            else
            {
                parameter.normal_(0.0, 0.02, generator);
            }
        }
    }

    private static void Validate(ModelConfig config, int labels, string pooling)
    {
        if (config.HiddenSize <= 0 || config.NumHiddenLayers <= 0 || config.NumAttentionHeads <= 0 || config.IntermediateSize <= 0
            || config.VocabSize <= 0 || config.MaxPositionEmbeddings <= 0 || config.TypeVocabSize <= 0)
        {
            throw new ArgumentException("config.json must give positive vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size, max_position_embeddings and type_vocab_size.", nameof(config));
        }

        if (config.HiddenSize % config.NumAttentionHeads != 0)
        {
            throw new ArgumentException($"hidden_size {config.HiddenSize} is not a multiple of num_attention_heads {config.NumAttentionHeads}.", nameof(config));
        }

        if (config.HiddenAct is not ("gelu" or "gelu_new" or "gelu_python"))
        {
            // The exported graph computes erf-GELU; another activation would train one function and serve another.
            throw new ArgumentException($"hidden_act '{config.HiddenAct}' is not supported; fine-tuning supports BERT-family encoders with GELU.", nameof(config));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(labels, 2);
        if (pooling is not (ClsPooling or MeanPooling))
        {
            throw new ArgumentException($"Pooling must be '{ClsPooling}' or '{MeanPooling}', not '{pooling}'.", nameof(pooling));
        }
    }
}
