using System.Text.RegularExpressions;
using Serverless.Errors;

namespace Serverless.Contracts.Tests;

public sealed class ProblemTypesTests
{
    [Fact]
    public void All_ListsEveryProblemTypeOnce_WithStableSlugsAndTitles()
    {
        Assert.Equal(ProblemTypes.All.Count, ProblemTypes.All.Select(p => p.Slug).Distinct(StringComparer.Ordinal).Count());
        Assert.All(ProblemTypes.All, p =>
        {
            Assert.Matches(new Regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$"), p.Slug);
            Assert.False(string.IsNullOrWhiteSpace(p.Title));
            Assert.InRange(p.Status, 400, 599);
            Assert.Equal("urn:serverless:problem:" + p.Slug, p.Type);
        });

        // Callers match on these: the ones the contract and the README name must stay as they are.
        foreach (var (slug, status) in new[] { ("invalid-request", 400), ("malformed-json", 400), ("empty-texts", 400), ("unsupported-media-type", 415),
                     ("payload-too-large", 413), ("model-not-found", 404), ("variant-not-found", 404), ("invalid-model-output", 422), ("engine-busy", 429),
                     ("model-unavailable", 503), ("storage-unavailable", 503), ("id-conflict", 409), ("internal-error", 500) })
        {
            Assert.Equal(status, Assert.Single(ProblemTypes.All, p => p.Slug == slug).Status);
        }
    }

    [Fact]
    public void Exceptions_CarryTheirProblemType_AndRefuseOneOfAnotherStatus()
    {
        Assert.Same(ProblemTypes.InvalidRequest, new InvalidRequestException("x").Problem);
        Assert.Equal(ProblemTypes.EmptyTexts.Type, new InvalidRequestException("x", ProblemTypes.EmptyTexts).Type);
        Assert.Equal("Storage unavailable", ServiceUnavailableException.Storage("x").Title);
        Assert.Equal(503, ServiceUnavailableException.Cache("x").Status);

        Assert.Throws<ArgumentException>(() => new InvalidRequestException("x", ProblemTypes.ModelNotFound));
        Assert.Throws<ArgumentException>(() => new ServiceUnavailableException("x", ProblemTypes.EmptyTexts));
    }
}
