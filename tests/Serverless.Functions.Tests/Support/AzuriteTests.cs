using Serverless.Testing;

namespace Serverless.Functions.Tests.Support;

/// <summary>The Azurite collection of this test assembly (xUnit only honours definitions in the test assembly).</summary>
[CollectionDefinition(AzuriteCollection.Name)]
public sealed class AzuriteTests : AzuriteCollection;
