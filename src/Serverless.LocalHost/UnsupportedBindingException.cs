namespace Serverless.LocalHost;

/// <summary>A trigger or binding the local host does not provide.</summary>
internal sealed class UnsupportedBindingException(string message) : Exception(message);
