using Serverless.Errors;
using Serverless.Onnx;
using Serverless.Packages;

using TorchSharp;
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

/// <summary>Word, position and token-type embeddings, summed, then LayerNorm and dropout (Hugging Face BertEmbeddings).</summary>
internal sealed class BertEmbeddings : Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding _words;
    private readonly Embedding _positions;
    private readonly Embedding _tokenTypes;
    private readonly LayerNorm _layerNorm;
    private readonly Dropout _dropout;

    public BertEmbeddings(ModelConfig config) : base(nameof(BertEmbeddings))
    {
        _words = Embedding(config.VocabSize, config.HiddenSize);
        _positions = Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        _tokenTypes = Embedding(config.TypeVocabSize, config.HiddenSize);
        _layerNorm = LayerNorm(config.HiddenSize, config.LayerNormEps);
        _dropout = Dropout(config.HiddenDropoutProb);
        register_module("word_embeddings", _words);
        register_module("position_embeddings", _positions);
        register_module("token_type_embeddings", _tokenTypes);
        register_module("LayerNorm", _layerNorm);
        register_module("dropout", _dropout);
    }

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var positions = arange(inputIds.shape[1], ScalarType.Int64, inputIds.device).unsqueeze(0);
        var sum = _words.call(inputIds) + _positions.call(positions) + _tokenTypes.call(tokenTypeIds);
        return _dropout.call(_layerNorm.call(sum)).MoveToOuterDisposeScope();
    }
}

/// <summary>The stack of transformer layers, named encoder.layer.N as in Hugging Face.</summary>
internal sealed class BertEncoder : Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<BertLayer> _layers;

    public BertEncoder(ModelConfig config) : base(nameof(BertEncoder))
    {
        _layers = ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray());
        register_module("layer", _layers);
    }

    public override Tensor forward(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();

        // Additive mask: 0 where attended, the most negative float where padded (Hugging Face's convention).
        var bias = (1.0f - attentionMask.to_type(hidden.dtype)).unsqueeze(1).unsqueeze(2) * float.MinValue;
        foreach (var layer in _layers)
        {
            hidden = layer.call(hidden, bias);
        }

        return hidden.MoveToOuterDisposeScope();
    }
}

/// <summary>Self-attention then the feed-forward block, each with a residual and post-LayerNorm.</summary>
internal sealed class BertLayer : Module<Tensor, Tensor, Tensor>
{
    private readonly BertAttention _attention;
    private readonly BertDense _intermediate;
    private readonly BertOutput _output;

    public BertLayer(ModelConfig config) : base(nameof(BertLayer))
    {
        _attention = new BertAttention(config);
        _intermediate = new BertDense(config.HiddenSize, config.IntermediateSize);
        _output = new BertOutput(config, config.IntermediateSize);
        register_module("attention", _attention);
        register_module("intermediate", _intermediate);
        register_module("output", _output);
    }

    public override Tensor forward(Tensor hidden, Tensor maskBias)
    {
        using var scope = NewDisposeScope();
        var attended = _attention.call(hidden, maskBias);
        var intermediate = functional.gelu(_intermediate.call(attended));
        return _output.call(intermediate, attended).MoveToOuterDisposeScope();
    }
}

/// <summary>attention.self (query/key/value) and attention.output (dense, LayerNorm).</summary>
internal sealed class BertAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly BertSelfAttention _self;
    private readonly BertOutput _output;

    public BertAttention(ModelConfig config) : base(nameof(BertAttention))
    {
        _self = new BertSelfAttention(config);
        _output = new BertOutput(config, config.HiddenSize);
        register_module("self", _self);
        register_module("output", _output);
    }

    public override Tensor forward(Tensor hidden, Tensor maskBias)
    {
        using var scope = NewDisposeScope();
        return _output.call(_self.call(hidden, maskBias), hidden).MoveToOuterDisposeScope();
    }
}

/// <summary>Scaled dot-product multi-head self-attention.</summary>
internal sealed class BertSelfAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear _query;
    private readonly Linear _key;
    private readonly Linear _value;
    private readonly Dropout _dropout;
    private readonly int _heads;
    private readonly int _headSize;

    public BertSelfAttention(ModelConfig config) : base(nameof(BertSelfAttention))
    {
        _heads = config.NumAttentionHeads;
        _headSize = config.HiddenSize / config.NumAttentionHeads;
        _query = Linear(config.HiddenSize, config.HiddenSize);
        _key = Linear(config.HiddenSize, config.HiddenSize);
        _value = Linear(config.HiddenSize, config.HiddenSize);
        _dropout = Dropout(config.AttentionProbsDropoutProb);
        register_module("query", _query);
        register_module("key", _key);
        register_module("value", _value);
        register_module("dropout", _dropout);
    }

    public override Tensor forward(Tensor hidden, Tensor maskBias)
    {
        using var scope = NewDisposeScope();
        var batch = hidden.shape[0];
        var sequence = hidden.shape[1];
        var query = Heads(_query.call(hidden), batch, sequence);
        var key = Heads(_key.call(hidden), batch, sequence);
        var value = Heads(_value.call(hidden), batch, sequence);
        var scores = query.matmul(key.transpose(-1, -2)) / Math.Sqrt(_headSize) + maskBias;
        var probabilities = _dropout.call(scores.softmax(-1));
        var context = probabilities.matmul(value).transpose(1, 2).reshape(batch, sequence, _heads * _headSize);
        return context.MoveToOuterDisposeScope();
    }

    private Tensor Heads(Tensor x, long batch, long sequence) => x.view(batch, sequence, _heads, _headSize).transpose(1, 2);
}

/// <summary>A single Linear registered as "dense" (Hugging Face's intermediate.dense).</summary>
internal sealed class BertDense : Module<Tensor, Tensor>
{
    private readonly Linear _dense;

    public BertDense(long inputs, long outputs) : base(nameof(BertDense))
    {
        _dense = Linear(inputs, outputs);
        register_module("dense", _dense);
    }

    public override Tensor forward(Tensor input) => _dense.call(input);
}

/// <summary>dense → dropout → LayerNorm(x + residual) (Hugging Face's BertSelfOutput and BertOutput).</summary>
internal sealed class BertOutput : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear _dense;
    private readonly LayerNorm _layerNorm;
    private readonly Dropout _dropout;

    public BertOutput(ModelConfig config, long inputs) : base(nameof(BertOutput))
    {
        _dense = Linear(inputs, config.HiddenSize);
        _layerNorm = LayerNorm(config.HiddenSize, config.LayerNormEps);
        _dropout = Dropout(config.HiddenDropoutProb);
        register_module("dense", _dense);
        register_module("LayerNorm", _layerNorm);
        register_module("dropout", _dropout);
    }

    public override Tensor forward(Tensor input, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return _layerNorm.call(_dropout.call(_dense.call(input)) + residual).MoveToOuterDisposeScope();
    }
}
