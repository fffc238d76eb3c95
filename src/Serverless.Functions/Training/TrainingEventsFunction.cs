using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Serverless.Training;

namespace Serverless.Functions.Training;

/// <summary>
/// Reads the trainer's end-of-run messages from <c>training-events</c> and raises them on the run's orchestration (events
/// raised before the orchestration waits are kept). A message that names no known run is logged and dropped: nothing
/// waits for it, and the orchestration's polling would notice the end anyway.
/// </summary>
public sealed class TrainingEventsFunction(ILogger<TrainingEventsFunction> logger)
{
    /// <summary>The queue trigger.</summary>
    [Function("TrainingEvents")]
    public async Task Run(
        [QueueTrigger(TrainingStorage.EventsQueue)] string message,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        TrainingEvent? trainingEvent;
        try
        {
            trainingEvent = JsonSerializer.Deserialize<TrainingEvent>(message, TrainingJob.JsonOptions);
        }
        catch (JsonException ex)
        {
            Log.EventDropped(logger, $"not a training event ({ex.Message})");
            return;
        }

        if (trainingEvent is not { RunId: { } runId, Status: { } status } || !TrainingJob.IsValidRunId(runId))
        {
            Log.EventDropped(logger, "it names no valid run id and status");
            return;
        }

        if (await client.GetInstanceAsync(runId, getInputsAndOutputs: false, cancellationToken) is not { Name: TrainingOrchestration.Name })
        {
            Log.EventDropped(logger, $"there is no training run '{runId}'");
            return;
        }

        // Raising an event on a run that has ended is harmless: it is discarded.
        await client.RaiseEventAsync(runId, TrainingOrchestration.TrainerEndedEvent, new TrainerEnded(status, trainingEvent.Error), cancellationToken);
        Log.TrainerEnded(logger, runId, status);
    }
}
