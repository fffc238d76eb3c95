using System.Net;
using System.Text;
using System.Text.Json;

namespace Serverless.LocalHost.Tests.BadInput;

/// <summary>
/// Black-box bad-input cases over real HTTP against the real app on the local host: bodies, headers, methods and routes.
/// Each asserts the status, the problem type (problem+json) and that the service still classifies correctly afterwards.
/// </summary>
public sealed class HttpBadInputTests(ServedApp app) : IClassFixture<ServedApp>
{
    private const string Json = "application/json";
    private const string Classify = "api/classify";

    /// <summary>One request and what it must be answered with; <see cref="Type"/> is the problem slug, null for a success.</summary>
    public sealed record Case(string Name, HttpMethod Method, string Path, byte[]? Body, string? ContentType, int Status, string? Type)
    {
        public string? Host { get; init; }

        public bool Chunked { get; init; }

        public override string ToString() => Name;
    }

    private static readonly Dictionary<string, Case> s_cases =
        ClassifyBodies().Concat(Headers()).Concat(RoutesAndMethods()).Concat(AdminBodies()).ToDictionary(c => c.Name);

    /// <summary>The cases by name (names serialize, so each case is a test of its own).</summary>
    public static TheoryData<string> Cases() => new(s_cases.Keys);

    [Fact]
    public void Suite_HasAtLeastAHundredCases() => Assert.True(s_cases.Count >= 100, $"{s_cases.Count} cases");

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Cases))]
    public async Task Request_IsAnsweredWithItsStatusAndProblemType_AndTheServiceStillClassifies(string name)
    {
        var c = s_cases[name];
        var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        using var request = new HttpRequestMessage(c.Method, c.Path);
        if (c.Body is not null)
        {
            HttpContent content = c.Chunked ? new StreamContent(new MemoryStream(c.Body)) : new ByteArrayContent(c.Body);
            if (c.ContentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            }

            request.Content = content;
        }

        if (c.Host is not null)
        {
            request.Headers.Host = c.Host;
        }

        using var response = await app.Http.SendAsync(request, timeout);
        var body = await response.Content.ReadAsStringAsync(timeout);

        Assert.True(c.Status == (int)response.StatusCode, $"{c.Name}: expected {c.Status}, got {(int)response.StatusCode}: {body}");
        if (c.Type is null)
        {
            Assert.StartsWith(Json, response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal("urn:serverless:problem:" + c.Type, problem.GetProperty("type").GetString());
            Assert.Equal(c.Status, problem.GetProperty("status").GetInt32());
            var detail = problem.GetProperty("detail").GetString()!;
            Assert.False(string.IsNullOrWhiteSpace(detail));
            // An error repeats at most ~200 characters of what was sent, whatever its size.
            Assert.True(detail.Length < 600, $"{c.Name}: a detail of {detail.Length} characters");
            Assert.DoesNotContain("   at ", detail, StringComparison.Ordinal);
        }

        if (c.Status == 405)
        {
            Assert.NotEmpty(response.Content.Headers.Allow);
        }

        await app.AssertStillClassifiesAsync(timeout);
    }

    [Fact(Timeout = 60_000)]
    public async Task LongModelName_IsEchoedInPartOnly()
    {
        var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
        var name = new string('x', 50_000);
        using var response = await app.Http.PostAsync(Classify, new StringContent($$"""{"text":"hi","model":"{{name}}"}""", Encoding.UTF8, Json), timeout);

        var problem = await ServedApp.ProblemAsync(response, timeout);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(new string('x', 200) + "… (50000 characters)", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', 201), detail, StringComparison.Ordinal);
    }

    private static byte[] U(string text) => Encoding.UTF8.GetBytes(text);

    private static Case Post(string name, string body, int status, string? type) =>
        new(name, HttpMethod.Post, Classify, U(body), Json, status, type);

    private static Case PostBytes(string name, byte[] body, int status, string? type) =>
        new(name, HttpMethod.Post, Classify, body, Json, status, type);

    private static IEnumerable<Case> ClassifyBodies()
    {
        const string Malformed = "malformed-json";
        const string Invalid = "invalid-request";
        yield return Post("empty body", "", 400, Malformed);
        yield return Post("whitespace body", " \r\n\t ", 400, Malformed);
        yield return Post("open brace", "{", 400, Malformed);
        yield return Post("unterminated string", """{"text":"abc""", 400, Malformed);
        yield return Post("trailing comma", """{"text":"a",}""", 400, Malformed);
        yield return Post("single quotes", "{'text':'a'}", 400, Malformed);
        yield return Post("comment", """/* hi */{"text":"a"}""", 400, Malformed);
        yield return Post("NaN literal", """{"text":"a","topK":NaN}""", 400, Malformed);
        yield return Post("two documents", """{"text":"a"}{"text":"b"}""", 400, Malformed);
        yield return Post("trailing garbage", """{"text":"a"} x""", 400, Malformed);
        yield return Post("unquoted name", """{text:"a"}""", 400, Malformed);
        yield return Post("deep nesting", new string('[', 100) + new string(']', 100), 400, Malformed);
        yield return Post("deep nesting inside object", """{"text":"a","x":""" + new string('[', 64) + new string(']', 64) + "}", 400, Malformed);
        yield return Post("control character raw in string", "{\"text\":\"a\u0001b\"}", 400, Malformed);
        yield return Post("bad escape", """{"text":"\q"}""", 400, Malformed);
        yield return Post("short unicode escape", """{"text":"\u12"}""", 400, Malformed);
        yield return Post("lone high surrogate", """{"text":"\ud800"}""", 400, Malformed);
        yield return Post("lone low surrogate", """{"text":"\udc00"}""", 400, Malformed);
        yield return Post("reversed surrogates", """{"text":"\udc00\ud800"}""", 400, Malformed);
        yield return Post("lone surrogate in a property name", """{"text":"a","\ud800":1}""", 400, Malformed);
        yield return Post("lone surrogate in texts", """{"texts":["ok","\ud83d"]}""", 400, Malformed);
        yield return PostBytes("invalid UTF-8 byte", [.. U("{\"text\":\""), 0xFF, .. U("\"}")], 400, Malformed);
        yield return PostBytes("overlong UTF-8", [.. U("{\"text\":\""), 0xC0, 0xAF, .. U("\"}")], 400, Malformed);
        yield return PostBytes("truncated UTF-8 sequence", [.. U("{\"text\":\""), 0xE2, 0x82, .. U("\"}")], 400, Malformed);
        yield return PostBytes("UTF-8 encoded surrogate", [.. U("{\"text\":\""), 0xED, 0xA0, 0x80, .. U("\"}")], 400, Malformed);
        yield return PostBytes("UTF-16 body", Encoding.Unicode.GetBytes("""{"text":"a"}"""), 400, Malformed);
        yield return PostBytes("byte order mark before the JSON", [0xEF, 0xBB, 0xBF, .. U("""{"text":"hello"}""")], 200, null);
        yield return Post("duplicate text", """{"text":"a","text":"b"}""", 400, "duplicate-property");
        yield return Post("duplicate differing in case", """{"text":"a","TEXT":"b"}""", 400, "duplicate-property");
        yield return Post("duplicate model", """{"text":"a","model":"spam","Model":"other"}""", 400, "duplicate-property");
        yield return Post("duplicate in a nested object", """{"text":"a","x":{"k":1,"K":2}}""", 400, "duplicate-property");
        yield return Post("array body", """["a"]""", 400, Invalid);
        yield return Post("string body", "\"a\"", 400, Invalid);
        yield return Post("number body", "42", 400, Invalid);
        yield return Post("null body", "null", 400, Invalid);
        yield return Post("true body", "true", 400, Invalid);
        yield return Post("empty object", "{}", 400, Invalid);
        yield return Post("text and texts", """{"text":"a","texts":["b"]}""", 400, Invalid);
        yield return Post("text null", """{"text":null}""", 400, Invalid);
        yield return Post("text number", """{"text":1}""", 400, Invalid);
        yield return Post("text object", """{"text":{"a":1}}""", 400, Invalid);
        yield return Post("text array", """{"text":["a"]}""", 400, Invalid);
        yield return Post("text empty", """{"text":""}""", 400, "empty-text");
        yield return Post("text whitespace", """{"text":"  \t\n "}""", 400, "empty-text");
        yield return Post("text NUL and controls", """{"text":"\u0000\u0001\u001f"}""", 400, "empty-text");
        yield return Post("text zero-width and NBSP only", """{"text":"\u00a0\u3000"}""", 400, "empty-text");
        yield return Post("texts string", """{"texts":"a"}""", 400, Invalid);
        yield return Post("texts object", """{"texts":{"a":1}}""", 400, Invalid);
        yield return Post("texts empty", """{"texts":[]}""", 400, "empty-texts");
        yield return Post("texts holds a number", """{"texts":["a",1]}""", 400, Invalid);
        yield return Post("texts holds null", """{"texts":[null]}""", 400, Invalid);
        yield return Post("texts holds an array", """{"texts":[["a"]]}""", 400, Invalid);
        yield return Post("texts holds an empty text", """{"texts":["a",""]}""", 400, "empty-text");
        yield return Post("too many texts", JsonSerializer.Serialize(new { texts = Enumerable.Repeat("a", 257) }), 413, "payload-too-large");
        yield return Post("body over 1 MB", JsonSerializer.Serialize(new { text = new string('a', 1_100_000) }), 413, "payload-too-large");
        yield return new Case("chunked body over 1 MB", HttpMethod.Post, Classify, U(JsonSerializer.Serialize(new { text = new string('a', 1_100_000) })), Json, 413, "payload-too-large") { Chunked = true };
        yield return new Case("chunked small body", HttpMethod.Post, Classify, U("""{"text":"hello"}"""), Json, 200, null) { Chunked = true };
        yield return Post("long text is truncated, not refused", JsonSerializer.Serialize(new { text = string.Join(' ', Enumerable.Repeat("money", 20_000)) }), 200, null);
        yield return Post("model empty", """{"text":"a","model":""}""", 400, "invalid-model-name");
        yield return Post("model upper case", """{"text":"a","model":"Spam"}""", 400, "invalid-model-name");
        yield return Post("model path traversal", """{"text":"a","model":"../spam"}""", 400, "invalid-model-name");
        yield return Post("model with slash", """{"text":"a","model":"spam/1"}""", 400, "invalid-model-name");
        yield return Post("model too long", JsonSerializer.Serialize(new { text = "a", model = new string('m', 64) }), 400, "invalid-model-name");
        yield return Post("model number", """{"text":"a","model":7}""", 400, Invalid);
        yield return Post("model null is the default", """{"text":"a","model":null}""", 200, null);
        yield return Post("model unknown", """{"text":"a","model":"no-such-model"}""", 404, "model-not-found");
        yield return Post("version zero", """{"text":"a","version":"0"}""", 400, "invalid-version");
        yield return Post("version negative", """{"text":"a","version":-1}""", 400, "invalid-version");
        yield return Post("version fraction", """{"text":"a","version":1.5}""", 400, "invalid-version");
        yield return Post("version huge number", """{"text":"a","version":1e300}""", 400, "invalid-version");
        yield return Post("version object", """{"text":"a","version":{}}""", 400, "invalid-version");
        yield return Post("version boolean", """{"text":"a","version":true}""", 400, "invalid-version");
        yield return Post("version upper-case alias", """{"text":"a","version":"Production"}""", 400, "invalid-version");
        yield return Post("version that does not exist", """{"text":"a","version":"99"}""", 404, "model-not-found");
        yield return Post("alias that does not exist", """{"text":"a","version":"staging"}""", 404, "model-not-found");
        yield return Post("version as a number", """{"text":"a","version":1}""", 200, null);
        yield return Post("topK zero", """{"text":"a","topK":0}""", 400, "invalid-top-k");
        yield return Post("topK negative", """{"text":"a","topK":-3}""", 400, "invalid-top-k");
        yield return Post("topK fraction", """{"text":"a","topK":1.5}""", 400, "invalid-top-k");
        yield return Post("topK string", """{"text":"a","topK":"1"}""", 400, "invalid-top-k");
        yield return Post("topK huge", """{"text":"a","topK":1e100}""", 400, "invalid-top-k");
        yield return Post("topK above the labels keeps all", """{"text":"a","topK":50}""", 200, null);
        yield return Post("unknown property is ignored", """{"text":"a","color":"blue"}""", 200, null);
    }

    private static IEnumerable<Case> Headers()
    {
        var body = U("""{"text":"hello"}""");
        yield return new("text/plain body", HttpMethod.Post, Classify, body, "text/plain", 415, "unsupported-media-type");
        yield return new("form body", HttpMethod.Post, Classify, body, "application/x-www-form-urlencoded", 415, "unsupported-media-type");
        yield return new("multipart body", HttpMethod.Post, Classify, body, "multipart/form-data; boundary=x", 415, "unsupported-media-type");
        yield return new("no content type", HttpMethod.Post, Classify, body, null, 415, "unsupported-media-type");
        yield return new("xml body", HttpMethod.Post, Classify, body, "application/xml", 415, "unsupported-media-type");
        yield return new("json lookalike type", HttpMethod.Post, Classify, body, "application/jsonx", 415, "unsupported-media-type");
        yield return new("unparseable content type", HttpMethod.Post, Classify, body, "json", 415, "unsupported-media-type");
        yield return new("UTF-16 charset", HttpMethod.Post, Classify, body, "application/json; charset=utf-16", 415, "unsupported-media-type");
        yield return new("latin-1 charset", HttpMethod.Post, Classify, body, "application/json; charset=iso-8859-1", 415, "unsupported-media-type");
        yield return new("UTF-8 charset", HttpMethod.Post, Classify, body, "application/json; charset=utf-8", 200, null);
        yield return new("upper-case media type", HttpMethod.Post, Classify, body, "Application/JSON", 200, null);
        yield return new("structured JSON suffix", HttpMethod.Post, Classify, body, "application/vnd.serverless+json", 200, null);
        yield return new("text/plain training request", HttpMethod.Post, "api/training", U("""{"model":"m","dataset":"d/x.jsonl"}"""), "text/plain", 415, "unsupported-media-type");
        yield return new("text/plain publish", HttpMethod.Post, "api/models/spam/versions", U("""{"source":"uploads/x/"}"""), "text/plain", 415, "unsupported-media-type");
        yield return new("text/plain alias change", HttpMethod.Put, "api/models/spam/aliases/production", U("""{"version":"1"}"""), "text/plain", 415, "unsupported-media-type");
        yield return new("foreign Host", HttpMethod.Post, Classify, body, Json, 403, "host-not-allowed") { Host = "attacker.example" };
        yield return new("foreign Host with port", HttpMethod.Get, "api/models", null, null, 403, "host-not-allowed") { Host = "attacker.example:7071" };
        yield return new("Host that only starts with localhost", HttpMethod.Get, "api/health", null, null, 403, "host-not-allowed") { Host = "localhost.attacker.example" };
        yield return new("Host that is a private address", HttpMethod.Get, "api/models", null, null, 403, "host-not-allowed") { Host = "192.168.1.10" };
        yield return new("Host localhost", HttpMethod.Post, Classify, body, Json, 200, null) { Host = "localhost" };
        yield return new("Host 127.0.0.1 with port", HttpMethod.Post, Classify, body, Json, 200, null) { Host = "127.0.0.1:7071" };
        yield return new("Host [::1]", HttpMethod.Post, Classify, body, Json, 200, null) { Host = "[::1]:7071" };
    }

    private static IEnumerable<Case> RoutesAndMethods()
    {
        yield return new("GET classify", HttpMethod.Get, Classify, null, null, 405, "method-not-allowed");
        yield return new("PUT classify", HttpMethod.Put, Classify, U("""{"text":"a"}"""), Json, 405, "method-not-allowed");
        yield return new("DELETE classify", HttpMethod.Delete, Classify, null, null, 405, "method-not-allowed");
        yield return new("PATCH classify", HttpMethod.Patch, Classify, U("{}"), Json, 405, "method-not-allowed");
        yield return new("POST models", HttpMethod.Post, "api/models", U("{}"), Json, 405, "method-not-allowed");
        yield return new("DELETE a model", HttpMethod.Delete, "api/models/spam", null, null, 405, "method-not-allowed");
        yield return new("GET versions", HttpMethod.Get, "api/models/spam/versions", null, null, 405, "method-not-allowed");
        yield return new("GET an alias", HttpMethod.Get, "api/models/spam/aliases/production", null, null, 405, "method-not-allowed");
        yield return new("POST health", HttpMethod.Post, "api/health", U("{}"), Json, 405, "method-not-allowed");
        yield return new("GET cancel", HttpMethod.Get, "api/training/some-run/cancel", null, null, 405, "method-not-allowed");
        yield return new("unknown route", HttpMethod.Get, "api/nothing-here", null, null, 404, "route-not-found");
        yield return new("root", HttpMethod.Get, "/", null, null, 404, "route-not-found");
        yield return new("no route prefix", HttpMethod.Post, "classify", U("""{"text":"a"}"""), Json, 404, "route-not-found");
        yield return new("route with a trailing segment", HttpMethod.Post, "api/classify/extra", U("""{"text":"a"}"""), Json, 404, "route-not-found");
        yield return new("very long path", HttpMethod.Get, "api/" + new string('p', 6_000), null, null, 404, "route-not-found");
        yield return new("encoded traversal", HttpMethod.Get, "api/models/%2e%2e%2fetc", null, null, 400, "invalid-model-name");
        yield return new("model route upper case", HttpMethod.Get, "api/models/SPAM", null, null, 400, "invalid-model-name");
        yield return new("model route unknown", HttpMethod.Get, "api/models/no-such-model", null, null, 404, "model-not-found");
        yield return new("model route known", HttpMethod.Get, "api/models/spam", null, null, 200, null);
        yield return new("query junk on classify", HttpMethod.Post, Classify + "?x=%ff%fe&code=1", U("""{"text":"a"}"""), Json, 200, null);
        yield return new("unknown training run", HttpMethod.Get, "api/training/no-such-run", null, null, 404, "run-not-found");
        yield return new("invalid training run id", HttpMethod.Get, "api/training/NOT_VALID", null, null, 404, "run-not-found");
        yield return new("cancel an unknown run", HttpMethod.Post, "api/training/no-such-run/cancel", null, null, 404, "run-not-found");
        yield return new("list runs, top not a number", HttpMethod.Get, "api/training?top=abc", null, null, 400, "invalid-request");
        yield return new("list runs, top zero", HttpMethod.Get, "api/training?top=0", null, null, 400, "invalid-request");
        yield return new("list runs, model invalid", HttpMethod.Get, "api/training?model=BAD", null, null, 400, "invalid-model-name");
    }

    private static IEnumerable<Case> AdminBodies()
    {
        Case Publish(string name, string body, int status, string type) => new(name, HttpMethod.Post, "api/models/spam/versions", U(body), Json, status, type);
        Case Alias(string name, string alias, string body, int status, string type) =>
            new(name, HttpMethod.Put, $"api/models/spam/aliases/{alias}", U(body), Json, status, type);
        Case Train(string name, string body, int status, string type) => new(name, HttpMethod.Post, "api/training", U(body), Json, status, type);
        Case Approve(string name, string body, int status, string type) => new(name, HttpMethod.Post, "api/training/no-such-run/approve", U(body), Json, status, type);

        yield return Publish("publish without source", "{}", 400, "invalid-request");
        yield return Publish("publish source number", """{"source":1}""", 400, "invalid-request");
        yield return Publish("publish source traversal", """{"source":"uploads/../models/"}""", 400, "invalid-source");
        yield return Publish("publish source container name invalid", """{"source":"Up_Loads/x/"}""", 400, "invalid-source");
        yield return Publish("publish source that does not exist", """{"source":"uploads/nothing-here/"}""", 400, "source-not-found");
        yield return Publish("publish malformed", """{"source":""", 400, "malformed-json");
        yield return Alias("alias all digits", "123", """{"version":"1"}""", 400, "invalid-alias");
        yield return Alias("alias upper case", "Production", """{"version":"1"}""", 400, "invalid-alias");
        yield return Alias("alias without version", "production", "{}", 400, "invalid-request");
        yield return Alias("alias version not a number", "production", """{"version":"abc"}""", 400, "invalid-request");
        yield return Alias("alias version that does not exist", "production", """{"version":"99"}""", 404, "model-not-found");
        yield return Train("training empty object", "{}", 400, "invalid-request");
        yield return Train("training array", "[]", 400, "invalid-request");
        yield return Train("training without dataset", """{"model":"reviews"}""", 400, "invalid-request");
        yield return Train("training model invalid", """{"model":"Reviews","dataset":"datasets/x.jsonl"}""", 400, "invalid-request");
        yield return Train("training runId invalid", """{"runId":"A B","model":"reviews","dataset":"datasets/x.jsonl"}""", 400, "invalid-request");
        yield return Train("training dataset without container", """{"model":"reviews","dataset":"x.jsonl"}""", 400, "invalid-dataset");
        yield return Train("training dataset missing", """{"model":"reviews","dataset":"datasets/none.jsonl"}""", 400, "invalid-dataset");
        yield return Train("training mode unknown", """{"model":"reviews","dataset":"datasets/x.jsonl","hyperparameters":{"mode":"fast"}}""", 400, "invalid-request");
        yield return Train("training epochs zero", """{"model":"reviews","dataset":"datasets/x.jsonl","hyperparameters":{"epochs":0}}""", 400, "invalid-request");
        yield return Train("training epochs string", """{"model":"reviews","dataset":"datasets/x.jsonl","hyperparameters":{"epochs":"3"}}""", 400, "invalid-request");
        yield return Train("training maxLength too small", """{"model":"reviews","dataset":"datasets/x.jsonl","hyperparameters":{"maxLength":4}}""", 400, "invalid-request");
        yield return Train("training classWeights string", """{"model":"reviews","dataset":"datasets/x.jsonl","hyperparameters":{"classWeights":"auto"}}""", 400, "invalid-request");
        yield return Train("training gate metric unknown", """{"model":"reviews","dataset":"datasets/x.jsonl","gate":{"metric":"auc"}}""", 400, "invalid-request");
        yield return Train("training approval timeout invalid", """{"model":"reviews","dataset":"datasets/x.jsonl","gate":{"approvalTimeout":"soon"}}""", 400, "invalid-request");
        yield return Train("training base invalid", """{"model":"reviews","dataset":"datasets/x.jsonl","base":"@@"}""", 400, "invalid-request");
        yield return Train("training duplicate property", """{"model":"reviews","Model":"other","dataset":"datasets/x.jsonl"}""", 400, "duplicate-property");
        yield return Approve("approve without a decision", "{}", 400, "invalid-request");
        yield return Approve("approve an unknown run", """{"approved":true}""", 404, "run-not-found");
    }
}
