using Serverless.Options;

namespace Serverless.Infra.Tests;

/// <summary>Stored queue answers expire by one setting: the app's retention and the results container's lifecycle rule.</summary>
public sealed class QueueResultsInfraTests
{
    private const string Parameter = "resultRetentionDays";

    [Fact]
    public async Task ResultRetention_OneParameter_FeedsTheAppSettingAndTheResultsContainerLifecycleRule()
    {
        var template = await BicepTests.BuildMainAsync();
        var reference = $"[parameters('{Parameter}')]";

        Assert.Equal(QueueOptions.DefaultResultRetentionDays, template["parameters"]![Parameter]!["defaultValue"]!.GetValue<int>());
        var modules = TrainingRunnerInfraTests.Resources(template, "Microsoft.Resources/deployments")
            .ToDictionary(m => m["name"]!.GetValue<string>());
        Assert.Equal(reference, modules["storage"]["properties"]!["parameters"]![Parameter]!["value"]!.GetValue<string>());
        Assert.Equal(reference, modules["functions"]["properties"]!["parameters"]![Parameter]!["value"]!.GetValue<string>());

        var rule = Assert.Single(Assert.Single(TrainingRunnerInfraTests.Resources(template, "Microsoft.Storage/storageAccounts/managementPolicies"))
            ["properties"]!["policy"]!["rules"]!.AsArray())!;
        Assert.True(rule["enabled"]!.GetValue<bool>());
        Assert.Equal(new QueueOptions().ResultsContainer + "/", Assert.Single(rule["definition"]!["filters"]!["prefixMatch"]!.AsArray())!.GetValue<string>());
        Assert.Equal(reference, rule["definition"]!["actions"]!["baseBlob"]!["delete"]!["daysAfterModificationGreaterThan"]!.GetValue<string>());

        var site = Assert.Single(TrainingRunnerInfraTests.Resources(template, "Microsoft.Web/sites"));
        var setting = site["properties"]!["siteConfig"]!["appSettings"]!.AsArray()
            .Single(s => s!["name"]!.GetValue<string>() == "Queues__" + nameof(QueueOptions.ResultRetentionDays))!;
        Assert.Equal($"[string(parameters('{Parameter}'))]", setting["value"]!.GetValue<string>());
    }
}
