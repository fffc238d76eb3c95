using Azure.Storage.Blobs.Models;
using Serverless.Functions.Training;
using Serverless.Testing;
using Serverless.Training;

namespace Serverless.Functions.Tests.Training;

[Collection(AzuriteCollection.Name)]
public sealed class TrainingOrchestrationTests(AzuriteFixture azurite)
{
    private const int Timeout = 90_000;

    [Fact(Timeout = Timeout)]
    public async Task Run_CandidateBeatsProduction_IsPublishedAndBecomesProduction()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var model = azurite.UniqueName("reviews");
        var production = await bed.PublishProductionAsync(model);

        var runId = await bed.StartRunAsync(model);
        var run = await bed.WaitForEndAsync(runId);

        Assert.Equal(TrainingRunStatuses.Published, run.Status);
        Assert.Equal(new TrainingRunResult(model, "2", "production"), run.Result);
        Assert.Equal("2", (await bed.AliasesAsync(model))["production"]);
        Assert.Equal(production, run.Evaluation!.Production!.Version);
        Assert.StartsWith("passed: macro_f1 0.9000 > 0.8000", run.Gate, StringComparison.Ordinal);
        Assert.Contains("labels ham, spam", run.Data, StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_EventPostedBeforeTheWait_IsNotLost()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        bed.Trainer.Script = TrainerScript.Succeed;

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(azurite.UniqueName("early")));

        // The event was raised inside the start activity, before the orchestration began waiting; one start, no polling needed.
        Assert.Equal(TrainingRunStatuses.Published, run.Status);
        Assert.Equal(1, bed.Trainer.Starts);
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_NoEventButStatusSaysSucceeded_IsFoundByPolling()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        bed.Trainer.Script = TrainerScript.SucceedSilently;

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(azurite.UniqueName("silent")));

        Assert.Equal(TrainingRunStatuses.Published, run.Status);
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_NoProductionYet_SkipsTheComparisonAndPublishesVersionOne()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var model = azurite.UniqueName("fresh");

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(model));

        Assert.Equal(TrainingRunStatuses.Published, run.Status);
        Assert.Equal("1", (await bed.AliasesAsync(model))["production"]);
        Assert.Null(run.Evaluation!.Production);
        Assert.Contains("production comparison skipped: no production version", run.Gate, StringComparison.Ordinal);
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_CandidateBelowMinimum_IsRejectedAndKeptWithoutAlias()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var model = azurite.UniqueName("minimum");
        bed.Trainer.CandidateScores = new EvaluationScores(0.9, 0.9);

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(model, new TrainingGate { Minimum = 0.95 }));

        Assert.Equal(TrainingRunStatuses.Rejected, run.Status);
        Assert.Contains("below the minimum 0.9500", run.Error, StringComparison.Ordinal);
        Assert.Equal("1", run.Result!.Version);
        Assert.Null(run.Result.Alias);
        Assert.Equal(["1"], await bed.VersionsAsync(model));
        Assert.Empty(await bed.AliasesAsync(model));
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_CandidateWorseThanProduction_IsRejectedAndProductionStays()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var model = azurite.UniqueName("worse");
        await bed.PublishProductionAsync(model);
        bed.Trainer.CandidateScores = new EvaluationScores(0.85, 0.7);
        bed.Trainer.ProductionScores = new EvaluationScores(0.86, 0.8);

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(model));

        Assert.Equal(TrainingRunStatuses.Rejected, run.Status);
        Assert.Contains("macro_f1 0.7000 does not beat 0.8000", run.Error, StringComparison.Ordinal);
        Assert.Equal("1", (await bed.AliasesAsync(model))["production"]);
        Assert.Equal(["1", "2"], await bed.VersionsAsync(model));
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_ApprovalGranted_MovesProductionAfterTheApproval()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var model = azurite.UniqueName("approve");
        var runId = await bed.StartRunAsync(model, new TrainingGate { RequireApproval = true });

        var waiting = await bed.WaitForStatusAsync(runId, TrainingRunStatuses.AwaitingApproval);
        Assert.Equal("candidate", waiting.Result!.Alias);
        Assert.False((await bed.AliasesAsync(model)).ContainsKey("production"));
        await bed.Client.RaiseEventAsync(runId, TrainingOrchestration.ApprovalEvent, new ApprovalDecision(true));
        var run = await bed.WaitForEndAsync(runId);

        Assert.Equal(TrainingRunStatuses.Published, run.Status);
        Assert.Equal("1", (await bed.AliasesAsync(model))["production"]);
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_ApprovalRefused_IsRejectedUnderTheCandidateAlias()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var model = azurite.UniqueName("refuse");
        var runId = await bed.StartRunAsync(model, new TrainingGate { RequireApproval = true });

        await bed.WaitForStatusAsync(runId, TrainingRunStatuses.AwaitingApproval);
        await bed.Client.RaiseEventAsync(runId, TrainingOrchestration.ApprovalEvent, new ApprovalDecision(false));
        var run = await bed.WaitForEndAsync(runId);

        Assert.Equal(TrainingRunStatuses.Rejected, run.Status);
        Assert.Contains("refused", run.Error, StringComparison.Ordinal);
        var aliases = await bed.AliasesAsync(model);
        Assert.Equal("1", aliases["candidate"]);
        Assert.False(aliases.ContainsKey("production"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_ApprovalTimesOut_IsRejected()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var model = azurite.UniqueName("timeout");

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(model, new TrainingGate { RequireApproval = true, ApprovalTimeout = TimeSpan.FromSeconds(2) }));

        Assert.Equal(TrainingRunStatuses.Rejected, run.Status);
        Assert.Contains("Nobody approved the candidate within 00:00:02", run.Error, StringComparison.Ordinal);
        Assert.False((await bed.AliasesAsync(model)).ContainsKey("production"));
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_TrainerFails_FailsWithItsReasonAndPublishesNothing()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var model = azurite.UniqueName("fails");
        bed.Trainer.Script = TrainerScript.Fail;

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(model));

        Assert.Equal(TrainingRunStatuses.Failed, run.Status);
        Assert.Equal("train.jsonl line 3: the label is missing.", run.Error);
        Assert.Empty(await bed.VersionsAsync(model));
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_BadDataset_FailsBeforeAnyTrainerStarts()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var dataset = await bed.UploadDatasetAsync("{\"text\":\"only one class\",\"label\":\"a\"}\n{\"text\":\"still one\",\"label\":\"a\"}");

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(azurite.UniqueName("baddata"), dataset: dataset));

        Assert.Equal(TrainingRunStatuses.Failed, run.Status);
        Assert.Contains("label", run.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, bed.Trainer.Starts);
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_TrainerLostOnce_IsStartedAgainAndFinishes()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        bed.Trainer.Script = TrainerScript.LoseFirstExecution;

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(azurite.UniqueName("lost")));

        Assert.Equal(TrainingRunStatuses.Published, run.Status);
        Assert.Equal(2, bed.Trainer.Starts);
        Assert.Equal(2, run.TrainerStarts);
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_TrainerAlwaysLost_FailsAfterTheAllowedStarts()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        bed.Trainer.Script = TrainerScript.AlwaysLost;

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(azurite.UniqueName("gone"), maxTrainerStarts: 2));

        Assert.Equal(TrainingRunStatuses.Failed, run.Status);
        Assert.Contains("ended 2 times without a result", run.Error, StringComparison.Ordinal);
        Assert.Equal(2, bed.Trainer.Starts);
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_TrainerPastTheDeadline_FailsAndIsStopped()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        bed.Trainer.Script = TrainerScript.Hang;

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(azurite.UniqueName("slow"), deadline: TimeSpan.FromSeconds(3)));

        Assert.Equal(TrainingRunStatuses.Failed, run.Status);
        Assert.Contains("did not finish within the deadline", run.Error, StringComparison.Ordinal);
        Assert.Single(bed.Trainer.Stopped);
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_Canceled_StopsTheTrainerAndEndsCanceled()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var model = azurite.UniqueName("cancel");
        bed.Trainer.Script = TrainerScript.Hang;
        var runId = await bed.StartRunAsync(model);
        await WaitUntilAsync(() => bed.Trainer.Starts == 1);

        await bed.Client.RaiseEventAsync(runId, TrainingOrchestration.CancelEvent, null);
        var run = await bed.WaitForEndAsync(runId);

        Assert.Equal(TrainingRunStatuses.Canceled, run.Status);
        Assert.Single(bed.Trainer.Stopped);
        Assert.Empty(await bed.VersionsAsync(model));
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_PublishRetriedAfterAFault_MakesNoSecondVersion()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var model = azurite.UniqueName("retry");
        var faults = 0;
        bed.AfterPublish = _ => Interlocked.Increment(ref faults) == 1 ? throw new IOException("connection reset after the publish") : Task.CompletedTask;

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(model));

        Assert.Equal(TrainingRunStatuses.Published, run.Status);
        Assert.Equal(2, faults);
        Assert.Equal(["1"], await bed.VersionsAsync(model));
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_ProductionMovedAfterTheComparison_IsRejectedAndLeavesProductionAlone()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var model = azurite.UniqueName("moved");
        await bed.PublishProductionAsync(model);
        bed.BeforePointAlias = async request =>
        {
            if (request.Alias == "production" && (await bed.AliasesAsync(model))["production"] == "1")
            {
                await bed.PublishProductionAsync(model);
            }
        };

        var run = await bed.WaitForEndAsync(await bed.StartRunAsync(model));

        // Version 2 is the candidate; the concurrent publish made version 3 production after the comparison with version 1.
        Assert.Equal(TrainingRunStatuses.Rejected, run.Status);
        Assert.Contains("production moved to 3", run.Error, StringComparison.Ordinal);
        Assert.Equal("3", (await bed.AliasesAsync(model))["production"]);
    }

    [Fact(Timeout = Timeout)]
    public async Task Run_Ended_RemovesCheckpointsAndKeepsTheCandidate()
    {
        await using var bed = await TrainingTestBed.StartAsync(azurite);
        var runId = await bed.StartRunAsync(azurite.UniqueName("clean"));
        await bed.WaitForEndAsync(runId);

        var names = new List<string>();
        await foreach (var blob in bed.Blobs.GetBlobContainerClient(TrainingStorage.Container).GetBlobsAsync(new GetBlobsOptions { Prefix = runId + "/" }))
        {
            names.Add(blob.Name);
        }

        Assert.DoesNotContain(names, n => n.StartsWith(TrainingStorage.Checkpoints(runId), StringComparison.Ordinal));
        Assert.Contains(TrainingStorage.Evaluation(runId), names);
        Assert.Contains(names, n => n.StartsWith(TrainingStorage.Candidate(runId), StringComparison.Ordinal));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition never came true.");
            await Task.Delay(100);
        }
    }
}
