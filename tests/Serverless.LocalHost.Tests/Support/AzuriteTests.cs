using Serverless.Testing;

namespace Serverless.LocalHost.Tests.Support;

[CollectionDefinition(AzuriteCollection.Name)]
public sealed class AzuriteTests : AzuriteCollection;
