using System.Diagnostics;
using System.Globalization;

namespace Serverless.Functions.Training.Runners;

/// <summary>
/// A process told apart from a later one that reuses its pid: the pid and its start time. On Linux the start time is
/// <c>/proc/{pid}/stat</c>'s <c>starttime</c> (clock ticks since boot), which never changes for a process, whereas
/// <see cref="Process.StartTime"/> is derived from the wall clock and moves when the clock is adjusted.
/// </summary>
internal readonly record struct ProcessStamp(int ProcessId, long StartTime)
{
    private const string Prefix = "local-";

    /// <summary>The execution id: <c>local-{pid}-{start}</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{ProcessId}-{StartTime}");

    public static bool TryParse(string executionId, out ProcessStamp stamp)
    {
        stamp = default;
        if (!executionId.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = executionId[Prefix.Length..].Split('-');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            stamp = new ProcessStamp(pid, start);
            return true;
        }

        return false;
    }

    /// <summary>The stamp of the live process <paramref name="processId"/>; null when there is none (or only its zombie).</summary>
    public static ProcessStamp? Read(int processId)
    {
        if (OperatingSystem.IsLinux())
        {
            string stat;
            try
            {
                stat = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/stat");
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }

            // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields are counted after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length < 20 || fields[0] is "Z" or "X" or "x")
            {
                return null;
            }

            return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                ? new ProcessStamp(processId, ticks)
                : null;
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            return process.HasExited ? null : new ProcessStamp(processId, process.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond);
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Whether this very process is still running.</summary>
    public bool IsAlive() => Read(ProcessId) == this;
}
