using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Serverless.Infra.Tests;

/// <summary>
/// azure.yaml and the templates agree: azd deploys a service to the resource tagged with its name, so every service needs
/// exactly one tagged resource of a type its host can deploy to, and every tagged resource a service.
/// </summary>
public sealed partial class AzdServicesTests
{
    // What each azd host deploys to.
    private static readonly Dictionary<string, string[]> s_hostResourceTypes = new(StringComparer.Ordinal)
    {
        ["appservice"] = ["Microsoft.Web/sites"],
        ["function"] = ["Microsoft.Web/sites"],
        ["containerapp"] = ["Microsoft.App/containerApps", "Microsoft.App/jobs"],
    };

    [Fact]
    public async Task AzureYaml_Services_MatchTheAzdServiceNameTagsOfTheTemplates()
    {
        var services = Services();
        var tagged = TaggedResources(await BicepTests.BuildMainAsync());

        Assert.NotEmpty(services);
        Assert.Equal(services.Keys.Order(StringComparer.Ordinal), tagged.Select(t => t.Service).Distinct().Order(StringComparer.Ordinal));
        foreach (var (name, service) in services)
        {
            var resource = Assert.Single(tagged, t => t.Service == name);
            var host = Scalar(service, "host");
            Assert.True(s_hostResourceTypes.TryGetValue(host, out var types), $"service '{name}' has host '{host}', which this test does not know.");
            Assert.Contains(resource.Type, types);
        }
    }

    [Fact]
    public void AzureYaml_Services_BuildFromDockerfilesThatExist_AndProvisionInfraMain()
    {
        var root = Root();
        var infra = (YamlMappingNode)root.Children[new YamlScalarNode("infra")];
        Assert.Equal("bicep", Scalar(infra, "provider"));
        Assert.True(File.Exists(Path.Combine(BicepTests.RepositoryRoot, Scalar(infra, "path"), Scalar(infra, "module") + ".bicep")));

        foreach (var (name, service) in Services())
        {
            var project = Path.Combine(BicepTests.RepositoryRoot, Scalar(service, "project"));
            var docker = (YamlMappingNode)service.Children[new YamlScalarNode("docker")];
            Assert.Equal("docker", Scalar(service, "language"));
            Assert.True(File.Exists(Path.Combine(project, Scalar(docker, "path"))), $"service '{name}': {Scalar(docker, "path")} does not exist.");
            Assert.True(Directory.Exists(Path.Combine(project, Scalar(docker, "context"))), $"service '{name}': the build context does not exist.");
        }
    }

    [Fact]
    public async Task MainBicep_Images_AreRequiredAndTakenFromTheImagesAzdPushes()
    {
        var template = await BicepTests.BuildMainAsync();
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepTests.RepositoryRoot, "infra", "main.parameters.json")))!["parameters"]!;

        foreach (var (parameter, service) in new[] { ("functionsImage", "functions"), ("trainerImage", "trainer") })
        {
            Assert.Null(template["parameters"]![parameter]!["defaultValue"]);
            Assert.Equal($"${{SERVICE_{service.ToUpperInvariant()}_IMAGE_NAME}}", parameters[parameter]!["value"]!.GetValue<string>());
            Assert.Contains(service, Services().Keys);
        }
    }

    private static YamlMappingNode Root()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(BicepTests.RepositoryRoot, "azure.yaml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents.Single().RootNode;
    }

    private static Dictionary<string, YamlMappingNode> Services() =>
        ((YamlMappingNode)Root().Children[new YamlScalarNode("services")]).Children
            .ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (YamlMappingNode)c.Value, StringComparer.Ordinal);

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { } text }
            ? text
            : throw new Xunit.Sdk.XunitException($"azure.yaml: '{key}' is missing.");

    /// <summary>Resources of the built template with an azd-service-name tag, whether written as an object or merged with union().</summary>
    private static List<(string Service, string Type)> TaggedResources(JsonNode template) =>
        [.. TrainingRunnerInfraTests.Resources(template).SelectMany(r => ServiceTags(r["tags"]).Select(s => (s, r["type"]!.GetValue<string>())))];

    private static IEnumerable<string> ServiceTags(JsonNode? tags) => tags switch
    {
        JsonObject literal when literal["azd-service-name"] is { } value => [value.GetValue<string>()],
        JsonValue expression when expression.TryGetValue<string>(out var text) => ServiceTagInExpression().Matches(text).Select(m => m.Groups[1].Value),
        _ => [],
    };

    [GeneratedRegex(@"'azd-service-name',\s*'([^']+)'")]
    private static partial Regex ServiceTagInExpression();
}
