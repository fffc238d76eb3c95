using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Training.Runners;
using Serverless.Registry;

namespace Serverless.Infra.Tests;

/// <summary>The trainer job and the function app's runner settings in the built template agree with the runner code.</summary>
public sealed class TrainingRunnerInfraTests
{
    private const string SettingPrefix = "Training__Runner__";

    [Fact]
    public async Task TrainerJob_TemplateEnvironment_HasTheNamesTheRunnerSends()
    {
        var template = await BicepTests.BuildMainAsync();
        var job = Assert.Single(Resources(template, "Microsoft.App/jobs"));
        var container = Assert.Single(job["properties"]!["template"]!["containers"]!.AsArray())!;
        var templateNames = container["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()).ToList();

        var sent = TrainerEnvironment.For(new ContainerAppsTrainingRunnerOptions { TrainerClientId = "id", StorageAccountName = "st" });

        Assert.Equal(sent.Select(v => v.Key).Order(StringComparer.Ordinal), templateNames.Order(StringComparer.Ordinal));
        Assert.Equal("trainer", container["name"]!.GetValue<string>());
        Assert.InRange(job["properties"]!["configuration"]!["replicaRetryLimit"]!.GetValue<int>(), 0, 2);
    }

    [Fact]
    public async Task TrainerJob_EnvironmentTheRunnerSends_ResolvesStorageByIdentityWithoutAKey()
    {
        var template = await BicepTests.BuildMainAsync();
        var job = Assert.Single(Resources(template, "Microsoft.App/jobs"));
        var declared = Assert.Single(job["properties"]!["template"]!["containers"]!.AsArray())!["env"]!.AsArray()
            .ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]!.ToString());
        var sent = TrainerEnvironment.For(new ContainerAppsTrainingRunnerOptions { TrainerClientId = "trainer-client-id", StorageAccountName = "stserverless" });

        // Literal values in the template are the ones the runner sends; the others are deployment expressions.
        foreach (var (name, value) in declared.Where(d => !d.Value.StartsWith('[')))
        {
            Assert.Equal(value, sent.Single(v => v.Key == name).Value);
        }

        // The trainer reads its environment as configuration ("__" is the section separator) through the one storage composition.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(sent.Select(v => KeyValuePair.Create(v.Key.Replace("__", ":", StringComparison.Ordinal), (string?)v.Value)))
            .Build();
        using var services = new ServiceCollection().AddLogging().AddServerlessStorage(configuration).BuildServiceProvider();
        var storage = services.GetRequiredService<ServerlessStorage>();

        Assert.Equal(new Uri("https://stserverless.blob.core.windows.net/"), storage.Models.Uri);
        Assert.Equal(new Uri("https://stserverless.queue.core.windows.net/"), storage.HostQueues.Uri);
        Assert.False(storage.Models.CanGenerateAccountSasUri, "the trainer's blob client holds a shared key");
        Assert.False(storage.HostQueues.CanGenerateAccountSasUri, "the trainer's queue client holds a shared key");
        Assert.Null(storage.ConnectionString("AzureWebJobsStorage"));
    }

    [Fact]
    public async Task FunctionApp_RunnerSettings_AreBoundByTheOptionsAndCoverWhatTheyRequire()
    {
        var template = await BicepTests.BuildMainAsync();
        var site = Assert.Single(Resources(template, "Microsoft.Web/sites"));
        var settings = site["properties"]!["siteConfig"]!["appSettings"]!.AsArray()
            .Select(s => (Name: s!["name"]!.GetValue<string>(), Value: s["value"]!.ToString()))
            .Where(s => s.Name.StartsWith(SettingPrefix, StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(settings);

        var configuration = new Dictionary<string, string?>();
        foreach (var (name, value) in settings)
        {
            var property = BoundProperty(name);
            Assert.True(property is not null, $"{name} is set by infra/app/functions.bicep but TrainingRunnerOptions has no such property.");

            // Template expressions stand for values known at deployment: a valid value of the property's type stands in.
            configuration[name.Replace("__", ":", StringComparison.Ordinal)] = !value.StartsWith('[') ? value
                : property.PropertyType == typeof(double) ? "4"
                : property.PropertyType == typeof(Uri) ? "https://management.azure.com/"
                : "deployed-value";
        }

        var options = new ConfigurationBuilder().AddInMemoryCollection(configuration).Build()
            .GetSection(TrainingRunnerOptions.Section).Get<TrainingRunnerOptions>()!;
        Assert.Equal(TrainingRunnerKind.ContainerApps, options.Kind);
        var result = new TrainingRunnerOptionsValidator().Validate(null, options);
        Assert.True(result.Succeeded, result.FailureMessage);
    }

    private static PropertyInfo? BoundProperty(string setting)
    {
        var type = typeof(TrainingRunnerOptions);
        PropertyInfo? property = null;
        foreach (var part in setting[SettingPrefix.Length..].Split("__"))
        {
            property = type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
            {
                return null;
            }

            type = property.PropertyType;
        }

        return property;
    }

    /// <summary>Resources of a type anywhere in the template, module deployments included.</summary>
    internal static IEnumerable<JsonNode> Resources(JsonNode template, string type) =>
        Resources(template).Where(r => r["type"]?.GetValue<string>() == type);

    /// <summary>Every resource of the template, module deployments and the resources inside them included.</summary>
    internal static IEnumerable<JsonNode> Resources(JsonNode template)
    {
        var resources = template["resources"] switch
        {
            JsonArray array => array.Select(r => r!),
            JsonObject named => named.Select(r => r.Value!),
            _ => [],
        };
        foreach (var resource in resources)
        {
            yield return resource;
            if (resource["properties"]?["template"] is JsonObject nested && resource["type"]?.GetValue<string>() == "Microsoft.Resources/deployments")
            {
                foreach (var inner in Resources(nested))
                {
                    yield return inner;
                }
            }
        }
    }
}
