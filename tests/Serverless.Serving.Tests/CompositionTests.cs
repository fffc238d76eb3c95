using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serverless.Options;
using Serverless.Registry;

namespace Serverless.Serving.Tests;

/// <summary>One composition extension per layer: the registry's holds package storage only; serving adds itself on top, once.</summary>
public sealed class CompositionTests
{
    private static readonly IConfiguration s_configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        ["Serving:DefaultAlias"] = "candidate",
        ["Serving:Batching:MaxBatchTexts"] = "7",
    }).Build();

    private static readonly Type[] s_servingOptions = [typeof(ServingOptions), typeof(BatchingOptions)];

    [Fact]
    public void AddServerlessRegistry_Alone_RegistersThePackageStorageAndNothingOfServing()
    {
        var services = new ServiceCollection().AddServerlessRegistry(s_configuration);

        Assert.Single(services, d => d.ServiceType == typeof(BlobModelRegistry));
        Assert.Single(services, d => d.ServiceType == typeof(ServerlessStorage));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(ServedModels));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(ServingMetrics));
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(AliasWatcher));
        Assert.DoesNotContain(services, d => d.ServiceType.IsGenericType && d.ServiceType.GenericTypeArguments.Any(s_servingOptions.Contains));
        Assert.DoesNotContain(services, d => FromServing(d.ServiceType) || FromServing(d.ImplementationType));
    }

    [Fact]
    public void AddServerlessServing_CalledTwice_RegistersEachServiceOnce()
    {
        var services = new ServiceCollection().AddServerlessServing(s_configuration);
        var first = services.Select(Describe).ToList();

        services.AddServerlessServing(s_configuration);
        services.AddServerlessRegistry(s_configuration);

        Assert.Equal(first, services.Select(Describe).ToList());
        Assert.Single(services, d => d.ServiceType == typeof(ServedModels));
        Assert.Single(services, d => d.ServiceType == typeof(ServingMetrics));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(AliasWatcher));
        Assert.Single(services, d => d.ServiceType == typeof(BlobModelRegistry));
        Assert.Single(services, d => d.ServiceType == typeof(ServerlessStorage));
        Assert.Single(services, d => d.ServiceType == typeof(IConfigureOptions<ServingOptions>));
        Assert.Single(services, d => d.ServiceType == typeof(IConfigureOptions<BatchingOptions>));
        Assert.Single(services, d => d.ServiceType == typeof(IConfigureOptions<RegistryOptions>));
    }

    [Fact]
    public async Task AddServerlessServing_AfterAddServerlessRegistry_AddsServingAndBindsItsSections()
    {
        // BindConfiguration reads the host's IConfiguration, as a host registers it.
        var services = new ServiceCollection().AddSingleton(s_configuration).AddServerlessRegistry(s_configuration);
        var registryOnly = services.Count;

        services.AddServerlessServing(s_configuration);

        Assert.True(services.Count > registryOnly);
        Assert.Single(services, d => d.ServiceType == typeof(BlobModelRegistry));
        // ServedModels disposes asynchronously (its engines finish their queued work), so the provider must too.
        await using var provider = services.BuildServiceProvider();
        Assert.Equal("candidate", provider.GetRequiredService<IOptions<ServingOptions>>().Value.DefaultAlias);
        Assert.Equal(7, provider.GetRequiredService<IOptions<BatchingOptions>>().Value.MaxBatchTexts);
        Assert.Same(provider.GetRequiredService<BlobModelRegistry>(), provider.GetRequiredService<BlobModelRegistry>());
        Assert.IsType<AliasWatcher>(Assert.Single(provider.GetServices<IHostedService>(), s => s is AliasWatcher));
    }

    private static bool FromServing(Type? type) => type?.Assembly == typeof(ServedModels).Assembly;

    /// <summary>What a registration registers: the service and whatever provides it.</summary>
    private static string Describe(ServiceDescriptor descriptor) =>
        $"{descriptor.ServiceType} {descriptor.Lifetime} {descriptor.ImplementationType}{descriptor.ImplementationInstance?.GetType()}{descriptor.ImplementationFactory?.Method}";
}
