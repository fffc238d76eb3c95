using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Serverless.Testing;

/// <summary>
/// The event ids of an assembly's source-generated log methods, read from their <see cref="LoggerMessageAttribute"/>s. The
/// generator only checks ids within one class; this sees the whole assembly.
/// </summary>
public static class LogEventIds
{
    private const BindingFlags AllMethods = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>Every [LoggerMessage] method of <paramref name="assembly"/> by event id, as <c>Type.Method</c>.</summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<string>> Of(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.GetTypes()
            .SelectMany(type => type.GetMethods(AllMethods).Select(method => (Method: $"{type.FullName}.{method.Name}", Attribute: method.GetCustomAttribute<LoggerMessageAttribute>())))
            .Where(m => m.Attribute is not null)
            .GroupBy(m => m.Attribute!.EventId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(m => m.Method).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>The ids of <paramref name="assembly"/> that more than one log method uses, one line each: <c>id: methods</c>.</summary>
    public static IReadOnlyList<string> Collisions(Assembly assembly) =>
        Of(assembly).Where(e => e.Value.Count > 1).OrderBy(e => e.Key).Select(e => $"{e.Key}: {string.Join(", ", e.Value)}").ToList();
}
