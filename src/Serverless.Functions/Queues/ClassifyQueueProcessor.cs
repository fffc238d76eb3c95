using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Errors;
using Serverless.Functions.Http;
using Serverless.Functions.Observability;
using Serverless.Options;

namespace Serverless.Functions.Queues;

/// <summary>
/// Handles one <c>classify-requests</c> message (SPEC "Queues"): plain or base64-encoded JSON; <c>id</c> and <c>replyTo</c>
/// validated; the answer stored by id and sent to <c>replyTo</c> or the results queue, through a blob when too large.
/// A permanently bad message is answered with an error result and completes; a transient failure is rethrown for the
/// platform to retry, after an error result when it is the last attempt. A redelivered id gets its stored answer.
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
        var options = queueOptions.Value;
        var envelope = ReadEnvelope(message, options);
        using var document = envelope.Document;
        if (envelope.Problem is not null)
        {
            Log.MessageRefused(logger, envelope.Id, envelope.Problem.Type);
            await SendAsync(envelope.Id, envelope.ReplyTo, Serialize(ErrorResult(envelope.Id, envelope.Problem)), cancellationToken);
            metrics.QueueMessage(QueueOutcome.Rejected);
            return;
        }

        var id = envelope.Id!;
        if (await storage.TryReadResultAsync(id, cancellationToken) is { } stored)
        {
            Log.Replayed(logger, id, dequeueCount);
            await SendAsync(id, envelope.ReplyTo, stored, cancellationToken);
            metrics.QueueMessage(QueueOutcome.Replayed);
            return;
        }

        ClassifyResponse response;
        try
        {
            var request = ClassifyRequestParser.Parse(document!.RootElement, limits.Value);
            response = await classifier.ClassifyAsync(request, ClassificationService.Queue, cancellationToken);
        }
        catch (ServiceException e) when (!e.IsTransient)
        {
            // Error answers are not stored: they follow from the message alone, and a corrected message may reuse the id.
            Log.MessageRefused(logger, id, e.Type);
            await SendAsync(id, envelope.ReplyTo, Serialize(ErrorResult(id, e)), cancellationToken);
            metrics.QueueMessage(QueueOutcome.Rejected);
            return;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            await OnTransientFailureAsync(id, envelope.ReplyTo, dequeueCount, e, cancellationToken);
            throw;
        }

        var result = Serialize(new ClassifyQueueResult(id, response.Model, response.Version, response.Device, response.Results));
        await SendAsync(id, envelope.ReplyTo, await storage.StoreResultAsync(id, result, cancellationToken), cancellationToken);
        metrics.QueueMessage(QueueOutcome.Processed);
    }

    private async Task OnTransientFailureAsync(string id, string replyTo, int dequeueCount, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is EngineBusyException)
        {
            metrics.Rejected(ClassificationService.Queue);
        }

        var maxDequeueCount = retry.Value.MaxDequeueCount;
        if (dequeueCount < maxDequeueCount)
        {
            Log.WillRetry(logger, exception, id, dequeueCount, maxDequeueCount);
            metrics.QueueMessage(QueueOutcome.Retried);
            return;
        }

        Log.GivingUp(logger, exception, id, dequeueCount);
        var problem = ProblemDetailsMapper.Map(exception, replyTo, id).Body;
        var error = new ClassifyQueueError(id, new QueueProblem(
            problem.Type!, problem.Title!, $"Failed {dequeueCount} times; the message goes to the poison queue. {problem.Detail}"));
        await SendAsync(id, replyTo, Serialize(error), cancellationToken);
        metrics.QueueMessage(QueueOutcome.Poisoned);
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
        catch (InvalidRequestException e) when (e.Type == ServiceException.TypePrefix + "malformed-json")
        {
            return new Envelope(null, null, options.Results, Invalid($"The message is not JSON or base64-encoded JSON. {e.Message}", "malformed-json", "Malformed JSON"));
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
                    "invalid-reply-to", "Reply queue not allowed"));
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
        QueueNamePattern().IsMatch(queue) && !queue.Contains("--", StringComparison.Ordinal) && allowList.Any(allowed =>
            allowed.EndsWith('*')
                ? queue.StartsWith(allowed[..^1], StringComparison.Ordinal)
                : string.Equals(queue, allowed, StringComparison.Ordinal));

    private static ClassifyQueueError ErrorResult(string? id, ServiceException e) => new(id, new QueueProblem(e.Type, e.Title, e.Message));

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, FunctionsJson.Options);

    private static InvalidRequestException Invalid(string detail, string slug = "invalid-message", string title = "Invalid queue message") =>
        new(detail, slug, title);

    private static InvalidRequestException InvalidId() =>
        Invalid("\"id\" must be 1–128 characters of letters, digits, '.', '_' and '-'; the answer carries id null.", "invalid-id", "Invalid message id");

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex QueueNamePattern();

    private sealed record Envelope(JsonDocument? Document, string? Id, string ReplyTo, ServiceException? Problem);
}
