using System.Text;
using Serverless.Errors;
using Serverless.Functions.Http;

namespace Serverless.Functions.Tests;

public sealed class RequestBodyTests
{
    [Theory]
    [InlineData("{\"text\":\"\\ud800\"}")]
    [InlineData("{\"texts\":[\"fine\",\"\\udc00 alone\"]}")]
    [InlineData("{\"\\ud800\":\"name\"}")]
    public void Parse_LoneSurrogateEscape_IsMalformedJson(string body)
    {
        var error = Assert.Throws<InvalidRequestException>(() => RequestBody.Parse(Encoding.UTF8.GetBytes(body)));

        Assert.Equal("urn:serverless:problem:malformed-json", error.Type);
        Assert.Contains("not valid Unicode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_IllFormedUtf8InAString_IsMalformedJson()
    {
        byte[] body = [.. "{\"text\":\"caf"u8, 0xC3, 0x28, .. "\"}"u8];

        var error = Assert.Throws<InvalidRequestException>(() => RequestBody.Parse(body));

        Assert.Equal("urn:serverless:problem:malformed-json", error.Type);
    }

    [Theory]
    [InlineData("{\"text\":\"a\",\"text\":\"b\"}", "text")]
    [InlineData("{\"texts\":[\"a\"],\"Texts\":[\"b\"]}", "Texts")]
    [InlineData("{\"gate\":{\"minimum\":0.5,\"MINIMUM\":0.9}}", "MINIMUM")]
    public void Parse_PropertyGivenTwice_IsRefusedNamingIt(string body, string name)
    {
        var error = Assert.Throws<InvalidRequestException>(() => RequestBody.Parse(Encoding.UTF8.GetBytes(body)));

        Assert.Equal("urn:serverless:problem:duplicate-property", error.Type);
        Assert.Contains($"\"{name}\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SameNameInDifferentObjects_IsAccepted()
    {
        using var document = RequestBody.Parse(Encoding.UTF8.GetBytes("{\"a\":{\"x\":1},\"b\":{\"x\":2},\"c\":[{\"x\":3},{\"x\":4}]}"));

        Assert.Equal(2, document.RootElement.GetProperty("b").GetProperty("x").GetInt32());
    }

    [Fact]
    public void Parse_ByteOrderMarkBeforeTheJson_IsAccepted()
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. "{\"text\":\"caf\u00e9 \\u00e9\"}"u8];

        using var document = RequestBody.Parse(body);

        Assert.Equal("café é", document.RootElement.GetProperty("text").GetString());
    }
}
