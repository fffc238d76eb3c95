using Serverless.Packages;

using TorchSharp.Modules;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Serverless.Training.FineTuning;

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
