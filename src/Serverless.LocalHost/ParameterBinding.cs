using System.Reflection;

namespace Serverless.LocalHost;

/// <summary>How one method parameter gets its value for an invocation.</summary>
internal sealed record ParameterBinding(ParameterInfo Parameter, Func<LocalFunctionContext, ValueTask<object?>> Bind);
