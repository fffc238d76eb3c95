using Serverless.Packages;

using TorchSharp.Modules;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Serverless.Training.FineTuning;

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
