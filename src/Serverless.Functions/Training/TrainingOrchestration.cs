using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Serverless.Errors;
using Serverless.Functions.Training.Runners;
using Serverless.Registry;
using Serverless.Training;
using Serverless.Training.Data;

namespace Serverless.Functions.Training;

/// <summary>
/// The learning loop of one run: check the data → start the trainer → wait for its end (event, or polling when the event
/// never comes) → read the evaluation → publish the candidate → gate → move the alias (after approval when asked for).
/// Deterministic: every I/O is an activity, every wait a durable timer or event.
/// </summary>
public static class TrainingOrchestration
{
    /// <summary>The orchestrator function's name.</summary>
    public const string Name = "TrainingOrchestrator";

    /// <summary>Raised by the training-events function when the trainer posts its end-of-run message.</summary>
    public const string TrainerEndedEvent = "trainer-ended";

    /// <summary>Raised by <c>POST /api/training/{id}/approve</c>.</summary>
    public const string ApprovalEvent = "approval";

    /// <summary>Raised by <c>POST /api/training/{id}/cancel</c>.</summary>
    public const string CancelEvent = "cancel";

    // Storage and ARM faults are transient; bad data, a missing base or a broken package never get better by retrying.
    private static readonly TaskOptions s_retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2, maxRetryInterval: TimeSpan.FromMinutes(1))
    {
        HandleFailure = failure => !IsPermanent(failure),
    });

    /// <summary>The orchestrator function; the input is a <see cref="TrainingRunInput"/>.</summary>
    [Function(Name)]
    public static Task<TrainingRunSnapshot> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return RunAsync(context, context.GetInput<TrainingRunInput>() ?? throw new InvalidOperationException("The training orchestration has no input."));
    }

    /// <summary>Runs the loop; returns the final snapshot (also when the run failed, was rejected or canceled).</summary>
    public static async Task<TrainingRunSnapshot> RunAsync(TaskOrchestrationContext context, TrainingRunInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var logger = context.CreateReplaySafeLogger(typeof(TrainingOrchestration));
        // One long-lived wait per event name: a wait that timed out would swallow the next event of its name.
        var canceled = context.WaitForExternalEvent<object?>(CancelEvent);
        var ended = context.WaitForExternalEvent<TrainerEnded>(TrainerEndedEvent);
        var run = new Run(context, input);
        TrainingRunSnapshot final;
        try
        {
            final = await run.ExecuteAsync(canceled, ended);
        }
        catch (TaskFailedException failure)
        {
            final = run.Snapshot with { Status = TrainingRunStatuses.Failed, Stage = "done", Error = Describe(failure) };
        }

        try
        {
            await context.CallActivityAsync(TrainingActivities.FinishRunName, new FinishRunRequest(input.RunId, input.Model, final.Status), s_retry);
        }
        catch (TaskFailedException failure)
        {
            Log.CleanupFailed(logger, input.RunId, Describe(failure));
        }

        context.SetCustomStatus(final);
        Log.RunEnded(logger, input.RunId, final.Status, final.Error ?? final.Gate);
        return final;
    }

    /// <summary>The message of the failure at the root of an activity failure.</summary>
    internal static string Describe(TaskFailedException failure)
    {
        var details = failure.FailureDetails;
        while (details.InnerFailure is { } inner && details.ErrorType.Contains("TaskFailed", StringComparison.Ordinal))
        {
            details = inner;
        }

        return details.ErrorMessage;
    }

    private static bool IsPermanent(TaskFailureDetails failure) =>
        failure.IsCausedBy<InvalidRequestException>() || failure.IsCausedBy<DatasetException>() || failure.IsCausedBy<ModelNotFoundException>()
        || failure.IsCausedBy<InvalidModelPackageException>() || failure.IsCausedBy<ArgumentException>()
        || failure.IsCausedBy<TrainingRunException>();

    private sealed class Run(TaskOrchestrationContext context, TrainingRunInput input)
    {
        public TrainingRunSnapshot Snapshot { get; private set; } = new() { Model = input.Model, Status = TrainingRunStatuses.Running, Stage = "validating" };

        public async Task<TrainingRunSnapshot> ExecuteAsync(Task<object?> canceled, Task<TrainerEnded> ended)
        {
            Update(Snapshot);
            var data = await context.CallActivityAsync<string>(TrainingActivities.CheckDataName, input.RunId, s_retry);
            Update(Snapshot with { Data = data });
            if (canceled.IsCompleted)
            {
                return Update(Snapshot with { Status = TrainingRunStatuses.Canceled, Stage = "done", Error = "Canceled before training started." });
            }

            var outcome = await TrainAsync(canceled, ended);
            if (outcome is not null)
            {
                return outcome;
            }

            Update(Snapshot with { Stage = "evaluating" });
            var evaluation = await context.CallActivityAsync<TrainingEvaluation>(TrainingActivities.ReadEvaluationName, input.RunId, s_retry);
            Update(Snapshot with { Stage = "publishing", Evaluation = evaluation });
            var version = await context.CallActivityAsync<string>(
                TrainingActivities.PublishCandidateName, new PublishCandidateRequest(input.RunId, input.Model), s_retry);
            var decision = GateDecision.Decide(input.Gate, evaluation);
            Update(Snapshot with { Gate = decision.Reason, Result = new TrainingRunResult(input.Model, version, null) });
            if (!decision.Passed)
            {
                return Update(Snapshot with { Status = TrainingRunStatuses.Rejected, Stage = "done", Error = "The gate rejected the candidate: " + decision.Reason });
            }

            if (input.Gate.RequireApproval)
            {
                var approval = await AwaitApprovalAsync(version);
                if (approval is not null)
                {
                    return approval;
                }
            }

            return await PromoteAsync(version, evaluation);
        }

        /// <summary>Starts the trainer and waits for its end; a snapshot when the run ended there (failed, canceled), else null.</summary>
        private async Task<TrainingRunSnapshot?> TrainAsync(Task<object?> canceled, Task<TrainerEnded> ended)
        {
            var deadline = context.CurrentUtcDateTime + input.Deadline;
            var execution = await StartTrainerAsync();
            var poll = input.PollInterval;
            while (context.CurrentUtcDateTime < deadline)
            {
                using var timerCancellation = new CancellationTokenSource();
                var next = context.CurrentUtcDateTime + poll;
                var timer = context.CreateTimer(next < deadline ? next : deadline, timerCancellation.Token);
                var winner = await Task.WhenAny(ended, canceled, timer);
                if (winner != timer)
                {
                    // A timer left running would keep the instance alive until it fires.
                    timerCancellation.Cancel(); // Synchronously: an orchestrator may await only durable tasks.
                }

                if (winner == canceled)
                {
                    await StopTrainerAsync(execution);
                    return Update(Snapshot with { Status = TrainingRunStatuses.Canceled, Stage = "done", Error = "Canceled on request; the trainer was stopped." });
                }

                if (winner == ended)
                {
                    return ended.Result.Status == TrainingRunOutcome.Succeeded
                        ? null
                        : Update(Snapshot with { Status = TrainingRunStatuses.Failed, Stage = "done", Error = ended.Result.Error ?? "The trainer failed without saying why; see trainer.log." });
                }

                var probe = await context.CallActivityAsync<TrainerProbe>(TrainingActivities.ProbeTrainerName, execution, s_retry);
                if (probe.Outcome == TrainingRunOutcome.Succeeded)
                {
                    return null;
                }

                if (probe.Outcome == TrainingRunOutcome.Failed)
                {
                    return Update(Snapshot with { Status = TrainingRunStatuses.Failed, Stage = "done", Error = probe.Error ?? "The trainer failed without saying why; see trainer.log." });
                }

                if (probe.State is not TrainerExecutionState.Running && context.CurrentUtcDateTime < deadline)
                {
                    // The execution ended or vanished without a result (a crash, a restarted host): start it again; it resumes
                    // from its last checkpoint.
                    if (Snapshot.TrainerStarts >= input.MaxTrainerStarts)
                    {
                        return Update(Snapshot with
                        {
                            Status = TrainingRunStatuses.Failed,
                            Stage = "done",
                            Error = $"The trainer ended {Snapshot.TrainerStarts} times without a result (last state: {probe.State}); see training/{input.RunId}/trainer.log.",
                        });
                    }

                    Log.TrainerLost(context.CreateReplaySafeLogger(typeof(TrainingOrchestration)), input.RunId, execution.ExecutionId, probe.State.ToString());
                    execution = await StartTrainerAsync();
                    poll = input.PollInterval;
                    continue;
                }

                poll = poll * 2 < input.MaxPollInterval ? poll * 2 : input.MaxPollInterval;
            }

            await StopTrainerAsync(execution);
            return Update(Snapshot with
            {
                Status = TrainingRunStatuses.Failed,
                Stage = "done",
                Error = $"The trainer did not finish within the deadline of {input.Deadline} (Training:Deadline); it was stopped. Its log is training/{input.RunId}/trainer.log.",
            });
        }

        private async Task<TrainerExecution> StartTrainerAsync()
        {
            var executionId = await context.CallActivityAsync<string>(TrainingActivities.StartTrainerName, input.RunId, s_retry);
            Update(Snapshot with { Stage = "training", ExecutionId = executionId, TrainerStarts = Snapshot.TrainerStarts + 1 });
            return new TrainerExecution(input.RunId, executionId);
        }

        private Task StopTrainerAsync(TrainerExecution execution) =>
            context.CallActivityAsync(TrainingActivities.StopTrainerName, execution, s_retry);

        /// <summary>Points <c>candidate</c> at the version and waits for the decision; a snapshot when the run ended there.</summary>
        private async Task<TrainingRunSnapshot?> AwaitApprovalAsync(string version)
        {
            await context.CallActivityAsync<PointAliasResult>(TrainingActivities.PointAliasName,
                new PointAliasRequest(input.Model, RegistryNames.CandidateAlias, version, Conditional: false, Precondition: null), s_retry);
            Update(Snapshot with { Status = TrainingRunStatuses.AwaitingApproval, Stage = "awaiting-approval", Result = new TrainingRunResult(input.Model, version, RegistryNames.CandidateAlias) });
            var approval = context.WaitForExternalEvent<ApprovalDecision>(ApprovalEvent);
            using var timerCancellation = new CancellationTokenSource();
            var timeout = context.CreateTimer(input.Gate.ApprovalTimeout, timerCancellation.Token);
            var winner = await Task.WhenAny(approval, timeout);
            if (winner == approval)
            {
                timerCancellation.Cancel(); // Synchronously: an orchestrator may await only durable tasks.
                if (approval.Result.Approved)
                {
                    Update(Snapshot with { Status = TrainingRunStatuses.Running, Stage = "publishing" });
                    return null;
                }

                return Update(Snapshot with { Status = TrainingRunStatuses.Rejected, Stage = "done", Error = "The approver refused the candidate; it stays under the candidate alias." });
            }

            return Update(Snapshot with
            {
                Status = TrainingRunStatuses.Rejected,
                Stage = "done",
                Error = $"Nobody approved the candidate within {input.Gate.ApprovalTimeout} (gate.approvalTimeout); it stays under the candidate alias.",
            });
        }

        /// <summary>Moves <c>production</c> to the version, unless it moved away from the version that was compared.</summary>
        private async Task<TrainingRunSnapshot> PromoteAsync(string version, TrainingEvaluation evaluation)
        {
            var compared = evaluation.Production?.Version;
            var result = await context.CallActivityAsync<PointAliasResult>(TrainingActivities.PointAliasName,
                new PointAliasRequest(input.Model, RegistryNames.ProductionAlias, version, Conditional: true, Precondition: compared), s_retry);
            if (!result.Set)
            {
                return Update(Snapshot with
                {
                    Status = TrainingRunStatuses.Rejected,
                    Stage = "done",
                    Result = new TrainingRunResult(input.Model, version, Snapshot.Result?.Alias),
                    Error = $"production moved to {result.Current ?? "nothing"} after the candidate was compared with {compared ?? "no production version"}; production was left alone. Compare again with a new run, or move the alias yourself.",
                });
            }

            return Update(Snapshot with { Status = TrainingRunStatuses.Published, Stage = "done", Result = new TrainingRunResult(input.Model, version, RegistryNames.ProductionAlias), Error = null });
        }

        private TrainingRunSnapshot Update(TrainingRunSnapshot snapshot)
        {
            Snapshot = snapshot;
            context.SetCustomStatus(snapshot);
            return snapshot;
        }
    }
}
