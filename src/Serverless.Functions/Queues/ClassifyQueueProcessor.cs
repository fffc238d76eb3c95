using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Errors;
using Serverless.Functions.Http;
using Serverless.Functions.Observability;
using Serverless.Options;
using Serverless.Registry;

namespace Serverless.Functions.Queues;

/// <summary>
/// Handles one <c>classify-requests</c> message (SPEC "Queues"): plain or base64-encoded JSON; <c>id</c> and <c>replyTo</c>
/// validated; the answer stored by id with the hash of its request and sent to <c>replyTo</c> or the results queue,
/// through a blob when too large. A permanently bad message, or an id reused for another request (<c>id-conflict</c>), is
/// answered with an error result and completes. One guard covers the whole message: any other failure — classifying,
/// reading or storing the answer, sending it — is rethrown for the platform to retry, after an error result when it is the
/// last attempt. A redelivered id with the same request gets its stored answer; a message delivered more often than allowed
/// (the host stopped during its last attempt) gets an error result and completes.
/// </summary>
public sealed partial class ClassifyQueueProcessor(
    ClassificationService classifier,
    ClassifyQueueStorage storage,
    IOptions<QueueOptions> queueOptions,
    IOptions<RequestLimitsOptions> limits,
    IOptions<QueueRetryOptions> retry,
    FunctionsMetrics metrics,
    ILogger<ClassifyQueueProcessor> logger)
{
    /// <summary>Processes <paramref name="message"/>, delivered for the <paramref name="dequeueCount"/>-th time.</summary>
    /// <exception cref="Exception">A transient failure, rethrown so the message is retried (or poisoned after the last attempt).</exception>
    public async Task ProcessAsync(string message, int dequeueCount, CancellationToken cancellationToken)
    {
        var envelope = ReadEnvelope(message, queueOptions.Value);
        using var document = envelope.Document;
        try
        {
            await AnswerAsync(envelope, dequeueCount, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            await OnTransientFailureAsync(envelope.Id, envelope.ReplyTo, dequeueCount, e, cancellationToken);
            throw;
        }
    }

    private async Task AnswerAsync(Envelope envelope, int dequeueCount, CancellationToken cancellationToken)
    {
        if (envelope.Problem is not null)
        {
            await RefuseAsync(envelope.Id, envelope.ReplyTo, envelope.Problem, cancellationToken);
            return;
        }

        var id = envelope.Id!;
        ClassifyRequest request;
        try
        {
            request = ClassifyRequestParser.Parse(envelope.Document!.RootElement, limits.Value);
        }
        catch (ServiceException e) when (!e.IsTransient)
        {
            await RefuseAsync(id, envelope.ReplyTo, e, cancellationToken);
            return;
        }

        var requestHash = ClassifyRequestHash.Of(request);
        StoredResult? stored = null;
        if (dequeueCount > 1)
        {
            // A redelivery is likely answered already: read first. A first delivery skips the read — its answer is stored
            // create-only below, and an answer stored earlier under the id (the id sent again) wins there instead.
            stored = await storage.TryReadResultAsync(id, cancellationToken);
            if (stored is { Expired: false, RequestHash: not null })
            {
                await ReplayAsync(id, envelope.ReplyTo, requestHash, stored, dequeueCount, cancellationToken);
                return;
            }
        }

        var maxDequeueCount = retry.Value.MaxDequeueCount;
        if (dequeueCount > maxDequeueCount)
        {
            // An attempt ended without an outcome (the host stopped mid-way) and the attempts are spent: answer, not poison.
            Log.AttemptsSpent(logger, id, dequeueCount, maxDequeueCount);
            await storage.SendAsync(envelope.ReplyTo, Serialize(new ClassifyQueueError(id, new QueueProblem(
                ProblemTypes.InternalError.Type, ProblemTypes.InternalError.Title,
                $"The message was delivered {dequeueCount} times, more than the {maxDequeueCount} allowed: an earlier attempt ended without an outcome (the host stopped), so it is not tried again. Send it again with the same id to retry."))),
                cancellationToken);
            metrics.QueueMessage(QueueOutcome.GaveUp);
            return;
        }

        ClassifyResponse response;
        try
        {
            response = await classifier.ClassifyAsync(request, ClassificationService.Queue, cancellationToken);
        }
        catch (ServiceException e) when (!e.IsTransient)
        {
            // Error answers are not stored: they follow from the message alone, and a corrected message may reuse the id.
            await RefuseAsync(id, envelope.ReplyTo, e, cancellationToken);
            return;
        }

        var result = Serialize(new ClassifyQueueResult(id, response.Model, response.Version, response.Device, response.Variant, response.Results));
        if (await storage.StoreResultAsync(id, requestHash, result, stored, cancellationToken) is { } earlier)
        {
            // An answer under this id was stored first (before this delivery, or between our read and our write).
            await ReplayAsync(id, envelope.ReplyTo, requestHash, earlier, dequeueCount, cancellationToken);
            return;
        }

        await SendAsync(id, envelope.ReplyTo, result, cancellationToken);
        metrics.QueueMessage(QueueOutcome.Processed);
    }

    /// <summary>Answers a redelivered id: the stored answer for the same request, an <c>id-conflict</c> error for another.</summary>
    private async Task ReplayAsync(
        string id, string replyTo, string requestHash, StoredResult stored, int dequeueCount, CancellationToken cancellationToken)
    {
        if (stored.RequestHash != requestHash)
        {
            await RefuseAsync(id, replyTo, IdConflict(id), cancellationToken);
            return;
        }

        Log.Replayed(logger, id, dequeueCount);
        await SendAsync(id, replyTo, stored.Answer, cancellationToken);
        metrics.QueueMessage(QueueOutcome.Replayed);
    }

    private async Task RefuseAsync(string? id, string replyTo, ServiceException problem, CancellationToken cancellationToken)
    {
        Log.MessageRefused(logger, id, problem.Type);
        await SendAsync(id, replyTo, Serialize(ErrorResult(id, problem)), cancellationToken);
        metrics.QueueMessage(QueueOutcome.Rejected);
        metrics.Refused(ClassificationService.Queue, problem.Type);
    }

    private async Task OnTransientFailureAsync(string? id, string replyTo, int dequeueCount, Exception exception, CancellationToken cancellationToken)
    {
        var maxDequeueCount = retry.Value.MaxDequeueCount;
        if (dequeueCount < maxDequeueCount)
        {
            Log.WillRetry(logger, exception, id, dequeueCount, maxDequeueCount);
            metrics.QueueMessage(QueueOutcome.Retried);
            return;
        }

        Log.GivingUp(logger, exception, id, dequeueCount);
        metrics.QueueMessage(QueueOutcome.Poisoned);
        var problem = ProblemDetailsMapper.Map(exception, replyTo, id ?? "").Body;
        var error = new ClassifyQueueError(id, new QueueProblem(
            problem.Type!, problem.Title!, $"Failed {dequeueCount} times; the message goes to the poison queue. {problem.Detail}"));
        try
        {
            await storage.SendAsync(replyTo, Serialize(error), cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The failure being reported stays the one rethrown; this one only says the sender may not hear back.
            Log.ErrorResultNotSent(logger, e, id, replyTo);
        }
    }

    private async Task SendAsync(string? id, string queue, string answer, CancellationToken cancellationToken)
    {
        if (id is not null && Encoding.UTF8.GetByteCount(answer) > queueOptions.Value.MaxMessageBytes)
        {
            // Only results grow that large, and every result is stored as {container}/{id}.json: the pointer names it.
            answer = Serialize(new ClassifyQueueResultPointer(id, storage.ResultBlobPath(id)));
        }

        await storage.SendAsync(queue, answer, cancellationToken);
    }

    /// <summary>Decodes the message and reads id and replyTo; never throws, a bad message carries its problem.</summary>
    private static Envelope ReadEnvelope(string message, QueueOptions options)
    {
        JsonDocument document;
        try
        {
            document = Decode(message);
        }
        catch (InvalidRequestException e) when (e.Problem == ProblemTypes.MalformedJson)
        {
            return new Envelope(null, null, options.Results, Invalid($"The message is not JSON or base64-encoded JSON. {e.Message}", ProblemTypes.MalformedJson));
        }
        catch (InvalidRequestException e)
        {
            // Well-formed JSON refused as it stands (a property given twice): answered with that problem as it is.
            return new Envelope(null, null, options.Results, e);
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return new Envelope(document, null, options.Results, Invalid("The message must be a JSON object: {\"id\":\"…\",\"texts\":[\"…\"]}."));
        }

        var id = ClassifyRequestParser.Find(root, "id") is { ValueKind: JsonValueKind.String } idValue && IdPattern().IsMatch(idValue.GetString()!)
            ? idValue.GetString()
            : null;
        var replyTo = ClassifyRequestParser.Find(root, "replyTo");
        if (replyTo is not null && replyTo.Value.ValueKind != JsonValueKind.Null)
        {
            var name = replyTo.Value.ValueKind == JsonValueKind.String ? replyTo.Value.GetString()! : "";
            if (!IsAllowedReplyTo(name, options.ReplyToAllowList))
            {
                return new Envelope(document, id, options.Results, Invalid(
                    $"\"replyTo\" must name an allowed queue ({string.Join(", ", options.ReplyToAllowList)}); the answer went to '{options.Results}' instead.",
                    ProblemTypes.InvalidReplyTo));
            }

            return new Envelope(document, id, name, id is null ? InvalidId() : null);
        }

        return new Envelope(document, id, options.Results, id is null ? InvalidId() : null);
    }

    /// <summary>
    /// Plain JSON is used as it is; anything made only of base64 characters is decoded first (JSON always contains
    /// characters outside base64, such as '{' and '"', so the two cannot be confused).
    /// </summary>
    internal static JsonDocument Decode(string message)
    {
        var trimmed = message.AsSpan().Trim();
        var decoded = new byte[trimmed.Length];
        return Convert.TryFromBase64Chars(trimmed, decoded, out var length)
            ? RequestBody.Parse(decoded.AsMemory(0, length))
            : RequestBody.Parse(Encoding.UTF8.GetBytes(message));
    }

    /// <summary>True when <paramref name="queue"/> is a valid queue name that the allow-list names exactly or by a <c>prefix*</c>.</summary>
    internal static bool IsAllowedReplyTo(string queue, IEnumerable<string> allowList) =>
        RegistryNames.IsStorageName(queue) && allowList.Any(allowed =>
            allowed.EndsWith('*')
                ? queue.StartsWith(allowed[..^1], StringComparison.Ordinal)
                : string.Equals(queue, allowed, StringComparison.Ordinal));

    private static ClassifyQueueError ErrorResult(string? id, ServiceException e) => new(id, new QueueProblem(e.Type, e.Title, ProblemDetailsMapper.DetailOf(e)));

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, FunctionsJson.Options);

    private static InvalidRequestException Invalid(string detail, ProblemType? problem = null) =>
        new(detail, problem ?? ProblemTypes.InvalidMessage);

    private static IdConflictException IdConflict(string id) => new(
        $"The id '{id}' was already answered for a different request (other texts, model, version or topK): ids must be unique per request. Use a new id, or resend the original request to get its stored answer.");

    private static InvalidRequestException InvalidId() =>
        Invalid("\"id\" must be 1–128 characters of letters, digits, '.', '_' and '-'; the answer carries id null.", ProblemTypes.InvalidId);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    private sealed record Envelope(JsonDocument? Document, string? Id, string ReplyTo, ServiceException? Problem);
}
