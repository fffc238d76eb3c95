namespace Serverless.Onnx.Tests;

/// <summary>Parity of two graphs' logits, as the project's parity gates judge it.</summary>
internal static class LogitAssert
{
    /// <summary>Every logit within <paramref name="tolerance"/>, and the same arg-max in every row of <paramref name="labels"/>.</summary>
    public static void Parity(float[] expected, float[] actual, int labels, double tolerance = 1e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        var difference = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(difference <= tolerance, $"max |logit difference| {difference} > {tolerance}");
        for (var row = 0; row < expected.Length / labels; row++)
        {
            var want = expected.AsSpan(row * labels, labels).ToArray();
            var got = actual.AsSpan(row * labels, labels).ToArray();
            Assert.Equal(Array.IndexOf(want, want.Max()), Array.IndexOf(got, got.Max()));
        }
    }
}
