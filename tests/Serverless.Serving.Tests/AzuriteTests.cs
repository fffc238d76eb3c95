using Serverless.Testing;

namespace Serverless.Serving.Tests;

/// <summary>One Azurite shared by every storage test of this assembly.</summary>
[CollectionDefinition(AzuriteCollection.Name)]
public sealed class AzuriteTests : AzuriteCollection;
