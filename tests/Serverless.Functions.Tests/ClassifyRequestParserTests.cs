using System.Text.Json;
using Serverless.Classification;
using Serverless.Errors;
using Serverless.Options;

namespace Serverless.Functions.Tests;

public sealed class ClassifyRequestParserTests
{
    private static readonly RequestLimitsOptions s_limits = new();

    [Fact]
    public void Parse_FullRequest_ReadsEveryField()
    {
        var request = Parse("""{"Texts":["one","two"],"model":"spam","version":3,"topK":2}""");

        Assert.Equal(["one", "two"], request.Texts);
        Assert.Equal("spam", request.Model);
        Assert.Equal("3", request.Version);
        Assert.Equal(2, request.TopK);
    }

    [Fact]
    public void Parse_SingleTextWithNullOptionals_UsesDefaults()
    {
        var request = Parse("""{"text":"one","model":null,"version":null,"topK":null,"id":"ignored"}""");

        Assert.Equal(["one"], request.Texts);
        Assert.Null(request.Model);
        Assert.Null(request.Version);
        Assert.Null(request.TopK);
    }

    [Fact]
    public void Parse_AliasVersion_IsKeptAsText()
    {
        Assert.Equal("production", Parse("""{"text":"one","version":"production"}""").Version);
    }

    [Theory]
    [InlineData("123", "123")]
    [InlineData("1-2", "1-2")]
    [InlineData("candidate", "candidate")]
    public void Parse_VersionOrAliasString_IsKeptAsText(string version, string expected)
    {
        Assert.Equal(expected, Parse($$"""{"text":"one","version":"{{version}}"}""").Version);
    }

    [Theory]
    [InlineData("0123")]
    [InlineData("Production")]
    [InlineData("-x")]
    public void Parse_VersionStringThatIsNeitherVersionNorAlias_IsAnInvalidVersion(string version)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Parse($$"""{"text":"one","version":"{{version}}"}"""));

        Assert.EndsWith("invalid-version", error.Type, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"text":"one"}""", LongTextMode.Truncate)]
    [InlineData("""{"text":"one","long":null}""", LongTextMode.Truncate)]
    [InlineData("""{"text":"one","long":"truncate"}""", LongTextMode.Truncate)]
    [InlineData("""{"text":"one","Long":"windows"}""", LongTextMode.Windows)]
    public void Parse_Long_IsTruncateUnlessWindowsIsAskedFor(string json, LongTextMode expected)
    {
        Assert.Equal(expected, Parse(json).Long);
    }

    [Theory]
    [InlineData("""{"text":"one","long":"window"}""")]
    [InlineData("""{"text":"one","long":"Windows"}""")]
    [InlineData("""{"text":"one","long":1}""")]
    [InlineData("""{"text":"one","long":true}""")]
    public void Parse_LongNotAnAllowedValue_IsInvalidRequestNamingTheAllowedValues(string json)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Parse(json));

        Assert.Equal(ServiceException.TypePrefix + "invalid-request", error.Type);
        Assert.Contains("\"truncate\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"windows\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NullItem_NamesItsIndex()
    {
        var error = Assert.Throws<InvalidRequestException>(() => Parse("""{"texts":["a","b",null]}"""));

        Assert.Contains("texts[2]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TooManyTexts_IsPayloadTooLarge()
    {
        var texts = JsonSerializer.Serialize(Enumerable.Repeat("a", s_limits.MaxTexts + 1));

        Assert.Throws<PayloadTooLargeException>(() => Parse($$"""{"texts":{{texts}}}"""));
    }

    [Theory]
    [InlineData("{\"text\":\"   \"}")]
    [InlineData("{\"text\":\"\\u0000\"}")]
    [InlineData("{\"texts\":[\"fine\",\"\\u0000\\u0007\\t \\u200b\\ufffd\"]}")]
    public void Parse_TextWithNothingToTokenize_IsEmptyText(string json)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Parse(json));

        Assert.Equal("urn:serverless:problem:empty-text", error.Type);
    }

    [Fact]
    public void Parse_TextWithOneRealCharacterAmongControls_IsKept()
    {
        var request = Parse("{\"text\":\"\\u0000a\\u0007\"}");

        Assert.Equal("\u0000a\u0007", Assert.Single(request.Texts));
    }

    private static ClassifyRequest Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ClassifyRequestParser.Parse(document.RootElement, s_limits);
    }
}
