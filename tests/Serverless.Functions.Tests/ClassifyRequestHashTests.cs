using System.Security.Cryptography;
using System.Text;
using Serverless.Classification;
using Serverless.Functions.Queues;

namespace Serverless.Functions.Tests;

public sealed class ClassifyRequestHashTests
{
    [Fact]
    public void Of_RequestsDifferingOnlyInLong_Differ()
    {
        Assert.NotEqual(
            ClassifyRequestHash.Of(new ClassifyRequest(["free money"])),
            ClassifyRequestHash.Of(new ClassifyRequest(["free money"], Long: LongTextMode.Windows)));
    }

    [Fact]
    public void Of_RequestThatTruncates_HashesAsBeforeLongExisted_SoStoredAnswersStillMatch()
    {
        var before = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            """{"Texts":["free money"],"Model":"spam","Version":"1","TopK":null}""")));

        Assert.Equal(before, ClassifyRequestHash.Of(new ClassifyRequest(["free money"], "spam", "1")));
    }

    [Fact]
    public void Of_Variant_IsPartOfTheHashOnlyWhenGiven()
    {
        var before = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            """{"Texts":["free money"],"Model":"spam","Version":"1","TopK":null}""")));

        Assert.Equal(before, ClassifyRequestHash.Of(new ClassifyRequest(["free money"], "spam", "1", Variant: null)));
        Assert.NotEqual(before, ClassifyRequestHash.Of(new ClassifyRequest(["free money"], "spam", "1", Variant: "int8")));
        Assert.NotEqual(
            ClassifyRequestHash.Of(new ClassifyRequest(["free money"], Variant: "fp32")),
            ClassifyRequestHash.Of(new ClassifyRequest(["free money"], Variant: "int8")));
    }
}
