using Microsoft.Extensions.Logging;

namespace Serverless.Training.HeadOnly;

/// <summary>Log messages of head-only training.</summary>
internal static partial class Log
{
    [LoggerMessage(4201, LogLevel.Information, "Head-only training of {Model} from {Base}: {Train} train, {Validation} validation, {Test} test texts, max length {MaxLength}")]
    public static partial void Started(ILogger logger, string model, string @base, int train, int validation, int test, int maxLength);

    [LoggerMessage(4202, LogLevel.Information, "Embedded {Texts} texts in {Seconds:0.0} s")]
    public static partial void Embedded(ILogger logger, int texts, double seconds);

    [LoggerMessage(4203, LogLevel.Information, "Head fitted: L2 {L2}, validation macro-F1 {ValidationMacroF1:0.0000}; test accuracy {Accuracy:0.0000}, macro-F1 {MacroF1:0.0000}")]
    public static partial void Fitted(ILogger logger, double l2, double validationMacroF1, double accuracy, double macroF1);

    [LoggerMessage(4204, LogLevel.Information, "Serving parity: {Same}/{Texts} predictions agree, max logit difference {MaxDifference}")]
    public static partial void Verified(ILogger logger, int same, int texts, double maxDifference);
}
