using System.Collections.Immutable;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Serverless.Functions.Tests.Support;

/// <summary>
/// The little of a <see cref="FunctionContext"/> that <see cref="Http.ProblemDetailsMiddleware"/> reads: invocation id,
/// function name, and the HttpContext under the key the ASP.NET Core integration uses.
/// </summary>
internal sealed class TestFunctionContext : FunctionContext
{
    /// <summary>The Items key of the HttpContext in the Functions ASP.NET Core integration.</summary>
    public const string HttpContextKey = "HttpRequestContext";

    public TestFunctionContext(string functionName, HttpContext? httpContext, IServiceProvider services)
    {
        FunctionDefinition = new Definition(functionName);
        InstanceServices = services;
        if (httpContext is not null)
        {
            Items[HttpContextKey] = httpContext;
        }
    }

    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId => FunctionDefinition.Id;

    public override TraceContext TraceContext => throw new NotSupportedException();

    public override BindingContext BindingContext => throw new NotSupportedException();

    public override RetryContext RetryContext => throw new NotSupportedException();

    public override IServiceProvider InstanceServices { get; set; }

    public override FunctionDefinition FunctionDefinition { get; }

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features => throw new NotSupportedException();

    private sealed class Definition(string name) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];

        public override string PathToAssembly => typeof(ClassificationService).Assembly.Location;

        public override string EntryPoint => name;

        public override string Id => name;

        public override string Name => name;

        public override IImmutableDictionary<string, BindingMetadata> InputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
    }
}
