using System.Text.Json;
using System.Text.Json.Serialization;

using Serverless.Errors;

namespace Serverless.Training;

/// <summary>
/// training/{runId}/job.json: the request body of POST /api/training plus the run id. Only <see cref="Model"/> and
/// <see cref="Dataset"/> are required; every other field has a default that gives a good model.
/// </summary>
public sealed record TrainingJob
{
    /// <summary>The run id (the key of the run's folder in the training container).</summary>
    public string RunId { get; init; } = "";

    /// <summary>Name of the model the candidate is published under.</summary>
    public string Model { get; init; } = "";

    /// <summary>Base encoder or model version, "name@version" or "name@alias"; default the configured base encoder.</summary>
    public string? Base { get; init; }

    /// <summary>Training data, "container/path" (JSONL or CSV).</summary>
    public string Dataset { get; init; } = "";

    /// <summary>Optional separate validation data; otherwise a stratified split of <see cref="Dataset"/>.</summary>
    public string? ValidationDataset { get; init; }

    /// <summary>Optional separate test data; otherwise a stratified split of <see cref="Dataset"/>.</summary>
    public string? TestDataset { get; init; }

    /// <summary>Field (JSONL) or column (CSV) holding the text.</summary>
    public string TextField { get; init; } = "text";

    /// <summary>Field (JSONL) or column (CSV) holding the label.</summary>
    public string LabelField { get; init; } = "label";

    /// <summary>Optional field (JSONL) or column (CSV) whose values group the texts; test metrics are reported per value.</summary>
    public string? SliceField { get; init; }

    /// <summary>Training settings.</summary>
    public TrainingHyperparameters Hyperparameters { get; init; } = new();

    /// <summary>The publishing gate; the orchestration applies it, the trainer passes it through.</summary>
    public TrainingGate Gate { get; init; } = new();

    /// <summary>JSON settings of job.json, status.json and training events (camelCase, as the HTTP API).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Parses job.json, or throws <see cref="InvalidRequestException"/> saying what is wrong.</summary>
    public static TrainingJob Parse(string json, string? runId = null)
    {
        TrainingJob? job;
        try
        {
            job = JsonSerializer.Deserialize<TrainingJob>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidRequestException($"The training request is not valid: {ex.Message}");
        }

        if (job is null)
        {
            throw new InvalidRequestException("The training request is empty: send {\"model\":\"…\",\"dataset\":\"container/path.jsonl\"}.");
        }

        job = job with
        {
            RunId = string.IsNullOrEmpty(job.RunId) ? runId ?? "" : job.RunId,
            Hyperparameters = job.Hyperparameters ?? new(),
            Gate = job.Gate ?? new(),
        };
        job.Validate();
        return job;
    }

    /// <summary>What a run id may look like: the model-name rule (1-63 of a-z, 0-9 and '-', starting with a letter or digit).</summary>
    public const string RunIdPattern = Serverless.Options.ModelNames.Pattern;

    /// <summary>True when <paramref name="runId"/> matches <see cref="RunIdPattern"/>.</summary>
    public static bool IsValidRunId(string? runId) => Serverless.Options.ModelNames.IsValid(runId);

    /// <summary>Checks the required fields and the hyperparameters' ranges.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(RunId))
        {
            throw new InvalidRequestException("The training job has no runId.");
        }

        if (!IsValidRunId(RunId))
        {
            throw new InvalidRequestException($"runId '{CallerInput.Excerpt(RunId)}' is not valid: use 1-63 of a-z, 0-9 and '-', starting with a letter or digit.");
        }

        if (!Serverless.Options.ModelNames.IsValid(Model))
        {
            throw new InvalidRequestException($"model '{CallerInput.Excerpt(Model)}' is not a valid model name: use 1-63 of a-z, 0-9 and '-', starting with a letter or digit.");
        }

        if (string.IsNullOrWhiteSpace(Dataset))
        {
            throw new InvalidRequestException("dataset is missing: give \"dataset\": \"container/path.jsonl\" (JSONL or CSV).");
        }

        if (SliceField is not null && (string.IsNullOrWhiteSpace(SliceField) || SliceField == TextField || SliceField == LabelField))
        {
            throw new InvalidRequestException(
                $"sliceField '{CallerInput.Excerpt(SliceField)}' is not valid: name a field other than the text and label fields whose values group the texts, or leave it out.");
        }

        Hyperparameters.Validate();
        Gate.Validate();
    }
}
