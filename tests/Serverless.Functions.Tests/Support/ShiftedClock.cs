namespace Serverless.Functions.Tests.Support;

/// <summary>The system clock moved forward by <see cref="Offset"/>: "days later" without waiting days.</summary>
internal sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
