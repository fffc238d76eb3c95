using System.Text;
using System.Text.Json;

namespace Serverless.LocalHost.Tests.BadInput;

/// <summary>
/// Black-box bad queue messages against the real app on the local host and real queues on Azurite: each is answered at
/// once with its error result (never retried into the poison queue), and the queue path still classifies afterwards.
/// </summary>
public sealed class QueueBadInputTests(ServedApp app) : IClassFixture<ServedApp>
{
    /// <summary>A raw message body, the id its answer carries (null when the message has none that is valid) and the problem slug.</summary>
    public sealed record Case(string Name, string Message, string? Id, string Type);

    private static readonly Dictionary<string, Case> s_cases = Messages().ToDictionary(c => c.Name);

    public static TheoryData<string> Cases() => new(s_cases.Keys);

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Cases))]
    public async Task Message_IsAnsweredAtOnceWithItsErrorResult_AndTheQueueStillClassifies(string name)
    {
        var c = s_cases[name];
        var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

        await app.Requests.SendMessageAsync(c.Message, timeout);
        var reply = await ReceiveNextAsync(timeout);

        Assert.Equal(c.Id, reply.GetProperty("id").GetString());
        var error = reply.GetProperty("error");
        Assert.Equal("urn:serverless:problem:" + c.Type, error.GetProperty("type").GetString());
        var detail = error.GetProperty("detail").GetString()!;
        Assert.True(detail.Length < 600, $"{c.Name}: a detail of {detail.Length} characters");
        Assert.False(reply.TryGetProperty("resultBlob", out _));

        var check = "check-" + Guid.NewGuid().ToString("N");
        await app.Requests.SendMessageAsync($$"""{"id":"{{check}}","texts":["claim your free prize","lunch at noon"]}""", timeout);
        var answer = await ServedApp.ReceiveAsync(app.Results, check, timeout);
        Assert.Equal(["spam", "ham"], answer.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("label").GetString()));
        Assert.False((await app.Poison.ExistsAsync(timeout)).Value && (await app.Poison.PeekMessagesAsync(1, timeout)).Value.Length > 0,
            "a bad message reached the poison queue");
    }

    /// <summary>The first answer on the results queue: the cases run one at a time, so it is this case's.</summary>
    private async Task<JsonElement> ReceiveNextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if ((await app.Results.ReceiveMessageAsync(cancellationToken: cancellationToken)).Value is { } message)
            {
                await app.Results.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                return JsonDocument.Parse(message.Body.ToString()).RootElement.Clone();
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static string Base64(byte[] bytes) => Convert.ToBase64String(bytes);

    private static IEnumerable<Case> Messages()
    {
        const string Malformed = "malformed-json";
        yield return new("not JSON", "hello there", null, Malformed);
        yield return new("open brace", "{", null, Malformed);
        yield return new("truncated object", """{"id":"a1","texts":["x""", null, Malformed);
        yield return new("trailing garbage", """{"id":"a1","text":"x"} and more""", null, Malformed);
        yield return new("single quotes", "{'id':'a1','text':'x'}", null, Malformed);
        yield return new("lone surrogate in the text", """{"id":"s1","text":"\ud800"}""", null, Malformed);
        yield return new("lone surrogate in the id", """{"id":"\udc00","text":"a"}""", null, Malformed);
        yield return new("ill-formed UTF-8, base64-encoded", Base64([.. Encoding.UTF8.GetBytes("{\"id\":\"u1\",\"text\":\""), 0xFF, .. Encoding.UTF8.GetBytes("\"}")]), null, Malformed);
        yield return new("base64 of something that is not JSON", Base64(Encoding.UTF8.GetBytes("plain words")), null, Malformed);
        yield return new("deep nesting", """{"id":"d1","x":""" + new string('[', 80) + new string(']', 80) + "}", null, Malformed);
        yield return new("duplicate id", """{"id":"a1","ID":"a2","text":"x"}""", null, "duplicate-property");
        yield return new("duplicate texts", """{"id":"a1","texts":["x"],"Texts":["y"]}""", null, "duplicate-property");
        yield return new("array message", """[{"id":"a1","text":"x"}]""", null, "invalid-message");
        yield return new("string message", "\"just a string\"", null, "invalid-message");
        yield return new("number message", "42", null, "invalid-message");
        yield return new("no id", """{"texts":["x"]}""", null, "invalid-id");
        yield return new("empty id", """{"id":"","texts":["x"]}""", null, "invalid-id");
        yield return new("id with a space", """{"id":"a b","texts":["x"]}""", null, "invalid-id");
        yield return new("id with a slash", """{"id":"../results/x","texts":["x"]}""", null, "invalid-id");
        yield return new("id too long", JsonSerializer.Serialize(new { id = new string('i', 129), texts = new[] { "x" } }), null, "invalid-id");
        yield return new("id number", """{"id":12,"texts":["x"]}""", null, "invalid-id");
        yield return new("id null", """{"id":null,"texts":["x"]}""", null, "invalid-id");
        yield return new("replyTo not allowed", """{"id":"r1","text":"x","replyTo":"some-other-queue"}""", "r1", "invalid-reply-to");
        yield return new("replyTo number", """{"id":"r2","text":"x","replyTo":5}""", "r2", "invalid-reply-to");
        yield return new("replyTo invalid queue name", """{"id":"r3","text":"x","replyTo":"Classify_Results"}""", "r3", "invalid-reply-to");
        yield return new("neither text nor texts", """{"id":"b1"}""", "b1", "invalid-request");
        yield return new("text and texts", """{"id":"b2","text":"x","texts":["y"]}""", "b2", "invalid-request");
        yield return new("texts not an array", """{"id":"b3","texts":"x"}""", "b3", "invalid-request");
        yield return new("texts empty", """{"id":"b4","texts":[]}""", "b4", "empty-texts");
        yield return new("text empty", """{"id":"b5","text":""}""", "b5", "empty-text");
        yield return new("text only whitespace and controls", """{"id":"b6","text":" \u0000\t\u0007 "}""", "b6", "empty-text");
        yield return new("text null", """{"id":"b7","text":null}""", "b7", "invalid-request");
        yield return new("too many texts", JsonSerializer.Serialize(new { id = "b8", texts = Enumerable.Repeat("a", 257) }), "b8", "payload-too-large");
        yield return new("model invalid", """{"id":"m1","text":"x","model":"Not/Valid"}""", "m1", "invalid-model-name");
        yield return new("model very long", JsonSerializer.Serialize(new { id = "m2", text = "x", model = new string('M', 30_000) }), "m2", "invalid-model-name");
        yield return new("model unknown", """{"id":"m3","text":"x","model":"no-such-model"}""", "m3", "model-not-found");
        yield return new("version invalid", """{"id":"v1","text":"x","version":"-1"}""", "v1", "invalid-version");
        yield return new("version unknown", """{"id":"v2","text":"x","version":"42"}""", "v2", "model-not-found");
        yield return new("topK zero", """{"id":"k1","text":"x","topK":0}""", "k1", "invalid-top-k");
        yield return new("topK string", """{"id":"k2","text":"x","topK":"3"}""", "k2", "invalid-top-k");
    }
}
