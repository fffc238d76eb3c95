using System.Collections;
using Microsoft.Azure.Functions.Worker;

namespace Serverless.LocalHost;

internal sealed class LocalInvocationFeatures : IInvocationFeatures
{
    private readonly Dictionary<Type, object> _features = [];

    public T? Get<T>() => _features.TryGetValue(typeof(T), out var feature) ? (T)feature : default;

    public void Set<T>(T instance) => Set(typeof(T), instance);

    public void Set(Type type, object? instance)
    {
        if (instance is null)
        {
            _features.Remove(type);
        }
        else
        {
            _features[type] = instance;
        }
    }

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator() => _features.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
