using Microsoft.Extensions.Logging.Abstractions;

using Serverless.Options;
using Serverless.Packages;
using Serverless.Testing;
using Serverless.Training.Data;
using Serverless.Training.FineTuning;

namespace Serverless.Training.Tests.FineTuning;

public sealed class ServingEvaluationTests : IDisposable
{
    // Window length 8: six text tokens per window, a new one every three, so twelve words are three windows.
    private const string LongSpam = "good team meeting lunch report project free money cash prize offer winner";

    private readonly string _directory = Directory.CreateTempSubdirectory("serving-evaluation-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Evaluate_TestTextLongerThanTheCut_IsAlsoScoredInWindows()
    {
        // Cut at six tokens the long text shows no keyword and reads as ham; its later windows are all keywords.
        LabelledExample[] test = [new(LongSpam, "spam"), new("free money", "spam"), new("good meeting tomorrow", "ham"), new("team lunch", "ham")];

        var evaluation = await EvaluateAsync(test);

        Assert.Equal(0.75, evaluation.Candidate.Accuracy, 6);
        var windows = Assert.IsType<WindowedScores>(evaluation.CandidateWindows);
        Assert.Equal(1, windows.LongTexts);
        Assert.Equal(1.0, windows.Accuracy, 6);
        Assert.Equal(1.0, windows.MacroF1, 6);
    }

    [Fact]
    public async Task Evaluate_NoTextLongerThanTheCut_HasNoWindowedScores()
    {
        LabelledExample[] test = [new("free money", "spam"), new("good meeting tomorrow", "ham")];

        var evaluation = await EvaluateAsync(test);

        Assert.Equal(1.0, evaluation.Candidate.Accuracy, 6);
        Assert.Null(evaluation.CandidateWindows);
    }

    private async Task<TrainingEvaluation> EvaluateAsync(IReadOnlyList<LabelledExample> test)
    {
        var package = ModelPackage.Open(TinyModels.WriteKeywordClassifierPackage(Path.Combine(_directory, "keywords"), maxLength: 8));
        return await ServingEvaluation.EvaluateAsync(
            "keywords", package, production: null, test, InferenceDevice.Cpu, NullLoggerFactory.Instance, CancellationToken.None);
    }
}
