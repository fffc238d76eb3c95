using System.Text;
using Azure.Storage.Queues;
using Serverless.LocalHost.Tests.Support;
using Serverless.Testing;

namespace Serverless.LocalHost.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class QueueTriggerTests(AzuriteFixture azurite)
{
    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task QueueTrigger_QueueFromSetting_IsCreatedAtStart()
    {
        await using var host = await SampleHost.StartAsync(azurite);

        Assert.True(await host.Queue("RecordQueue").ExistsAsync());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task QueueTrigger_Message_InvokesTheFunctionWithTextAndDequeueCount_ThenIsDeleted()
    {
        var timeout = AzuriteFixture.TestTimeout();
        await using var host = await SampleHost.StartAsync(azurite);
        var queue = host.Queue("RecordQueue");

        await queue.SendMessageAsync("hello queue", timeout);
        var call = await host.Probe.NextAsync(timeout);

        Assert.Equal(new("Record", "hello queue", 1), call);
        await WaitUntilEmptyAsync(queue, timeout);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task QueueTrigger_FailingMessage_IsRetriedUpToMaxDequeueCount_ThenMovedToPoison()
    {
        var timeout = AzuriteFixture.TestTimeout();
        await using var host = await SampleHost.StartAsync(azurite);
        var queue = host.Queue("FlakyQueue");

        await queue.SendMessageAsync("doomed", timeout);
        var attempts = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            attempts.Add((await host.Probe.NextAsync(timeout)).DequeueCount);
        }

        Assert.Equal([1, 2, 3], attempts);
        var poison = host.Queue($"{host.Queues["FlakyQueue"]}-poison");
        var poisoned = await ReceiveAsync(poison, timeout);
        Assert.Equal("doomed", poisoned.Body.ToString());
        await WaitUntilEmptyAsync(queue, timeout);
        await Task.Delay(500, timeout);
        Assert.False(host.Probe.TryNext(out var extra), $"no attempt after the last one, got {extra}");
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task QueueTrigger_MessagePastMaxDequeueCount_IsStillHandedToTheFunction_ThenCompleted()
    {
        // Delivered three times (the sample's maxDequeueCount) without an outcome, as when a host dies mid-attempt.
        var timeout = AzuriteFixture.TestTimeout();
        var queueName = azurite.UniqueName("spent");
        var spent = new QueueClient(azurite.ConnectionString, queueName);
        await spent.CreateAsync(cancellationToken: timeout);
        await spent.SendMessageAsync("attempts spent", timeout);
        for (var delivery = 0; delivery < 3; delivery++)
        {
            Assert.NotNull((await spent.ReceiveMessageAsync(TimeSpan.FromSeconds(1), timeout)).Value);
            await Task.Delay(1100, timeout);
        }

        await using var host = await SampleHost.StartAsync(azurite, arguments: $"--RecordQueue={queueName}");

        Assert.Equal(new("Record", "attempts spent", 4), await host.Probe.NextAsync(timeout));
        await WaitUntilEmptyAsync(spent, timeout);
        Assert.Equal(0, await CountAsync(host.Queue($"{queueName}-poison"), timeout));
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task QueueTrigger_Base64Encoding_DecodesTheMessageAndEncodesTheOutputBinding()
    {
        var timeout = AzuriteFixture.TestTimeout();
        var hostJson = SampleHost.DefaultHostJson.Replace("\"none\"", "\"base64\"", StringComparison.Ordinal);
        await using var host = await SampleHost.StartAsync(azurite, hostJson);

        await host.Queue("ForwardFrom", QueueMessageEncoding.Base64).SendMessageAsync("""{"id":"o-9","total":2.5}""", timeout);
        var raw = await ReceiveAsync(host.Queue("ForwardTo"), timeout);

        var json = Encoding.UTF8.GetString(Convert.FromBase64String(raw.Body.ToString()));
        Assert.Equal("""{"Id":"o-9","Total":5.0}""", json);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task QueueTrigger_NoneEncoding_PassesTheTextUnchanged_EvenWhenItLooksLikeBase64()
    {
        var timeout = AzuriteFixture.TestTimeout();
        await using var host = await SampleHost.StartAsync(azurite);
        var base64Looking = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"id":"x"}"""));

        await host.Queue("RecordQueue").SendMessageAsync(base64Looking, timeout);

        Assert.Equal(base64Looking, (await host.Probe.NextAsync(timeout)).Message);
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task QueueTrigger_NoneEncoding_PlainJsonOutputBindingIsWrittenAsJson()
    {
        var timeout = AzuriteFixture.TestTimeout();
        await using var host = await SampleHost.StartAsync(azurite);

        await host.Queue("ForwardFrom").SendMessageAsync("""{"id":"o-1","total":21}""", timeout);
        var forwarded = await ReceiveAsync(host.Queue("ForwardTo"), timeout);

        Assert.Equal("""{"Id":"o-1","Total":42}""", forwarded.Body.ToString());
    }

    [Fact(Timeout = AzuriteFixture.TestTimeoutMs)]
    public async Task Stop_WithAnInvocationInFlight_WaitsForItAndCompletesTheMessage()
    {
        var timeout = AzuriteFixture.TestTimeout();
        var host = await SampleHost.StartAsync(azurite);
        var queue = host.Queue("SlowQueue");
        await queue.SendMessageAsync("slow one", timeout);
        Assert.Equal("Slow:started", (await host.Probe.NextAsync(timeout)).Function);

        await host.Host.StopAsync(timeout);

        Assert.True(host.Probe.TryNext(out var finished), "the in-flight invocation finished before StopAsync returned");
        Assert.Equal("Slow:finished", finished!.Function);
        Assert.Equal(0, (await queue.GetPropertiesAsync(timeout)).Value.ApproximateMessagesCount);
        await host.DisposeAsync();
    }

    private static async Task<Azure.Storage.Queues.Models.QueueMessage> ReceiveAsync(QueueClient queue, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await queue.ExistsAsync(cancellationToken)
                && (await queue.ReceiveMessageAsync(cancellationToken: cancellationToken)).Value is { } message)
            {
                return message;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static async Task WaitUntilEmptyAsync(QueueClient queue, CancellationToken cancellationToken)
    {
        while ((await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount > 0)
        {
            await Task.Delay(100, cancellationToken);
        }
    }

    private static async Task<int> CountAsync(QueueClient queue, CancellationToken cancellationToken) =>
        await queue.ExistsAsync(cancellationToken) ? (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount : 0;
}
