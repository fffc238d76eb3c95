namespace Serverless.Registry.Tests;

public sealed class RegistryLayoutTests
{
    [Fact]
    public void Names_FollowTheDocumentedLayout()
    {
        Assert.Equal("spam/", RegistryLayout.ModelFolder("spam"));
        Assert.Equal("spam/aliases.json", RegistryLayout.Aliases("spam"));
        Assert.Equal("spam/12/", RegistryLayout.VersionFolder("spam", 12));
        Assert.Equal("spam/12/onnx/model.onnx", RegistryLayout.VersionFile("spam", 12, "onnx/model.onnx"));
        Assert.Equal("spam/12/manifest.json", RegistryLayout.Manifest("spam", 12));
        Assert.Equal("spam/12/.claimed", RegistryLayout.Claim("spam", 12));
    }

    [Theory]
    [InlineData("spam/3/.claimed", true)]
    [InlineData("spam/3/manifest.json", false)]
    [InlineData("spam/3/x.claimed", false)]
    public void IsClaim_IsTrueOnlyForAVersionsClaimMarker(string blobName, bool expected)
    {
        Assert.Equal(expected, RegistryLayout.IsClaim(blobName));
    }

    [Fact]
    public void Scan_ClaimedPublishedAndAliases_AreReadFromTheNames()
    {
        var scan = RegistryLayout.Scan(
        [
            "aliases.json",
            "1/.claimed", "1/model.onnx", "1/manifest.json",
            "2/.claimed", "2/model.onnx",
            "10/.claimed", "10/plots/manifest.json",
            "01/manifest.json", "0/manifest.json", "notes.txt", "x/manifest.json",
        ]);

        Assert.True(scan.HasAliases);
        Assert.Equal([1, 2, 10], scan.Claimed);
        Assert.Equal([1], scan.Published);
    }

    [Fact]
    public void Scan_NoAliasesFile_SaysSo()
    {
        var scan = RegistryLayout.Scan(["1/manifest.json", "1/aliases.json"]);

        Assert.False(scan.HasAliases);
        Assert.Equal([1], scan.Published);
    }

    [Fact]
    public void ScanAll_GroupsByValidModelNameInOrdinalOrder()
    {
        var scans = RegistryLayout.ScanAll(
        [
            "spam/1/manifest.json", "reviews/aliases.json", "reviews/2/.claimed",
            "Upper/1/manifest.json", "readme.txt", "/1/manifest.json",
        ]);

        Assert.Equal(["reviews", "spam"], scans.Keys);
        Assert.Equal([1], scans["spam"].Published);
        Assert.True(scans["reviews"].HasAliases);
        Assert.Equal([2], scans["reviews"].Claimed);
        Assert.Empty(scans["reviews"].Published);
    }
}
