using System.Text.Json;
using System.Text.Json.Serialization;

using Serverless.Errors;

namespace Serverless.Packages;

/// <summary>
/// config.json in Hugging Face style. Unknown properties are kept so a package made elsewhere round-trips.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Problem type of a single-label classifier (softmax).</summary>
    public const string SingleLabel = "single_label_classification";

    /// <summary>Problem type of a multi-label classifier (sigmoid per label).</summary>
    public const string MultiLabel = "multi_label_classification";

    /// <summary>Architecture name of a base encoder (no head, output last_hidden_state).</summary>
    public const string BaseEncoderArchitecture = "BertModel";

    /// <summary>Architecture name of a classifier.</summary>
    public const string ClassifierArchitecture = "BertForSequenceClassification";

    public IReadOnlyList<string> Architectures { get; init; } = [ClassifierArchitecture];
    public string ModelType { get; init; } = "bert";
    public IReadOnlyDictionary<string, string>? Id2label { get; init; }
    public IReadOnlyDictionary<string, int>? Label2id { get; init; }
    public string? ProblemType { get; init; }
    public double? Threshold { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 512;
    public int VocabSize { get; init; }
    public int HiddenSize { get; init; }
    public int NumHiddenLayers { get; init; }
    public int NumAttentionHeads { get; init; }
    public int IntermediateSize { get; init; }
    public int TypeVocabSize { get; init; } = 2;
    public double LayerNormEps { get; init; } = 1e-12;
    public string HiddenAct { get; init; } = "gelu";
    public double HiddenDropoutProb { get; init; } = 0.1;
    public double AttentionProbsDropoutProb { get; init; } = 0.1;

    /// <summary>Pooling of the classification head: "cls" or "mean".</summary>
    public string? Pooling { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>True when this is a base encoder without a classification head.</summary>
    [JsonIgnore]
    public bool IsBaseEncoder => Architectures.Contains(BaseEncoderArchitecture) || Id2label is null || Id2label.Count == 0;

    /// <summary>True for multi-label models (sigmoid per label).</summary>
    [JsonIgnore]
    public bool IsMultiLabel => ProblemType == MultiLabel;

    /// <summary>Labels ordered by their id (the logits' column order).</summary>
    public IReadOnlyList<string> LabelsInOrder()
    {
        if (Id2label is null || Id2label.Count == 0)
        {
            return [];
        }

        var labels = new string[Id2label.Count];
        foreach (var (id, label) in Id2label)
        {
            if (!int.TryParse(id, out var index) || index < 0 || index >= labels.Length || labels[index] is not null)
            {
                throw new InvalidModelPackageException($"config.json id2label has an invalid id '{id}': ids must be 0..{labels.Length - 1}.");
            }

            labels[index] = label;
        }

        return labels;
    }

    /// <summary>The config of a classifier's encoder alone: no labels, no head.</summary>
    public ModelConfig WithoutLabels() => this with
    {
        Architectures = [BaseEncoderArchitecture],
        Id2label = null,
        Label2id = null,
        ProblemType = null,
        Threshold = null,
        Pooling = null,
    };

    /// <summary>Builds a classifier config from an encoder config and labels.</summary>
    public ModelConfig WithLabels(IReadOnlyList<string> labels, string problemType = SingleLabel) => this with
    {
        Architectures = [ClassifierArchitecture],
        Id2label = labels.Select((l, i) => (l, i)).ToDictionary(x => x.i.ToString(System.Globalization.CultureInfo.InvariantCulture), x => x.l),
        Label2id = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i),
        ProblemType = problemType,
    };
}
