using System.Globalization;

namespace Serverless.Benchmarks;

/// <summary>Resident memory and processor time of another process, and which process listens on a port, from Linux's /proc.</summary>
internal static class ProcessReadings
{
    // /proc reports processor time in clock ticks of USER_HZ, which Linux fixes at 100 for user space.
    private const double TicksPerSecond = 100;

    /// <summary>User plus system processor seconds <paramref name="pid"/> has used, or null when unknown.</summary>
    public static double? ProcessorSeconds(int? pid)
    {
        if (pid is null)
        {
            return null;
        }

        try
        {
            // The command name (field 2) is in parentheses and may hold spaces; utime and stime are fields 14 and 15.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>VmRSS of <paramref name="pid"/> in MB, or null when unknown (no pid, not Linux, the process is gone).</summary>
    public static double? ResidentMegabytes(int? pid)
    {
        if (pid is null)
        {
            return null;
        }

        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The process with a listening TCP socket on <paramref name="port"/>, or null when none can be seen.</summary>
    public static int? FindListener(int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            // Columns: sl local_address rem_address st … inode; state 0A is LISTEN, the port is hex after the colon.
            foreach (var columns in File.ReadLines(table).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            {
                if (columns.Length > 9 && columns[3] == "0A"
                    && int.Parse(columns[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    inodes.Add($"socket:[{columns[9]}]");
                }
            }
        }

        if (inodes.Count == 0)
        {
            return null;
        }

        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (Directory.EnumerateFiles(Path.Combine(process, "fd"))
                    .Any(fd => new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target)))
                {
                    return pid;
                }
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                // Another user's process, or one that ended meanwhile.
            }
        }

        return null;
    }
}
