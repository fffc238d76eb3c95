using Microsoft.Extensions.Logging;

namespace Serverless.Inference;

/// <summary>Logs of the inference engine. Never logs input text.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information,
        Message = "ONNX Runtime session created on {Device}: output {OutputName}, {Execution} execution, token_type_ids {HasTokenTypeIds}, model {ModelPath}")]
    public static partial void SessionCreated(ILogger logger, string device, string outputName, string execution, bool hasTokenTypeIds, string modelPath);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
        Message = "The {Variant} variant serves padded: {Reason}")]
    public static partial void UnpaddedUnavailable(ILogger logger, string variant, string reason);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "Device is auto and CUDA is unavailable, so inference runs on the CPU. {Reason}")]
    public static partial void CudaFallback(ILogger logger, string reason);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information,
        Message = "Engine for {ModelName} version {ModelVersion} ready on {Device} in {ElapsedMilliseconds} ms (max length {MaxLength}, {LabelCount} labels); batches cost {BatchCost}")]
    public static partial void EngineReady(ILogger logger, string modelName, string modelVersion, string device, long elapsedMilliseconds, int maxLength, int labelCount, string batchCost);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Debug,
        Message = "Batch of {BatchSize} texts × {SequenceLength} tokens ({PaddingShare:P1} padding) ran in {ElapsedMilliseconds} ms")]
    public static partial void BatchRan(ILogger logger, int batchSize, int sequenceLength, double paddingShare, double elapsedMilliseconds);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Error,
        Message = "Batch of {BatchSize} texts × {SequenceLength} tokens failed; its requests fail with the error")]
    public static partial void BatchFailed(ILogger logger, Exception exception, int batchSize, int sequenceLength);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning,
        Message = "Request of {TextCount} texts rejected: {QueuedTexts} texts already queued (limit {MaxQueuedTexts})")]
    public static partial void Rejected(ILogger logger, int textCount, int queuedTexts, int maxQueuedTexts);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Debug,
        Message = "Request of {TextCount} texts waits for room: {QueuedTexts} texts queued (limit {MaxQueuedTexts})")]
    public static partial void AdmissionWaiting(ILogger logger, int textCount, int queuedTexts, int maxQueuedTexts);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information,
        Message = "Engine for {ModelName} version {ModelVersion} stopped after finishing its queued work")]
    public static partial void EngineStopped(ILogger logger, string modelName, string modelVersion);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Critical,
        Message = "The batching scheduler stopped unexpectedly; queued requests fail")]
    public static partial void SchedulerCrashed(ILogger logger, Exception exception);
}
