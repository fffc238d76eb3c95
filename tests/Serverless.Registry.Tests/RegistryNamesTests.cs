using Serverless.Errors;

namespace Serverless.Registry.Tests;

public sealed class RegistryNamesTests
{
    [Theory]
    [InlineData("uploads/my-model/", "uploads", "my-model/")]
    [InlineData("uploads/my-model", "uploads", "my-model/")]
    [InlineData("/uploads/a/b/c/", "uploads", "a/b/c/")]
    [InlineData("uploads", "uploads", "")]
    public void ParseSource_ValidFolder_SplitsContainerAndPrefixWithTrailingSlash(string source, string container, string prefix)
    {
        Assert.Equal((container, prefix), RegistryNames.ParseSource(source));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("42", 42)]
    public void ParseVersion_PositiveInteger_IsAccepted(string text, int expected)
    {
        Assert.Equal(expected, RegistryNames.ParseVersion(text));
    }

    [Theory]
    [InlineData("production")]
    [InlineData("candidate-2")]
    public void ValidateAlias_Name_IsAccepted(string alias)
    {
        Assert.Equal(alias, RegistryNames.ValidateAlias(alias));
    }

    [Theory]
    [InlineData("3")]
    [InlineData("Production")]
    [InlineData("prod/x")]
    [InlineData("")]
    public void ValidateAlias_DigitsOrInvalidCharacters_IsABadRequest(string alias)
    {
        var error = Assert.Throws<InvalidRequestException>(() => RegistryNames.ValidateAlias(alias));

        Assert.EndsWith("invalid-alias", error.Type, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("123", false)]
    [InlineData("1-2", true)]
    [InlineData("production", true)]
    [InlineData("-x", false)]
    public void IsAlias_FollowsTheModelNameRuleAndIsNeverAllDigits(string text, bool expected)
    {
        Assert.Equal(expected, RegistryNames.IsAlias(text));
        Assert.Equal(expected || text == "123", RegistryNames.IsVersionOrAlias(text));
    }

    [Theory]
    [InlineData("classify-results", true)]
    [InlineData("ab", false)]
    [InlineData("a--b", false)]
    [InlineData("results-", false)]
    [InlineData("Results", false)]
    public void IsStorageName_ContainerAndQueueRule(string name, bool expected)
    {
        Assert.Equal(expected, RegistryNames.IsStorageName(name));
    }
}
