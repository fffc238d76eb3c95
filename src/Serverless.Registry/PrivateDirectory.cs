using System.Globalization;
using System.Runtime.InteropServices;
using Serverless.Errors;

namespace Serverless.Registry;

/// <summary>
/// A folder only this process's user can write: created with mode 0700, and refused when it is a link, is owned by
/// another user, or lets group or others write. Verified files kept in it cannot be swapped by anyone else before they
/// are loaded. On Windows the user's local application data folder already is per user, so only creation applies.
/// </summary>
internal static partial class PrivateDirectory
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxTypeModeUid = 0x1 | 0x2 | 0x8;
    private const int StatxSize = 256;
    private const int StatxUidOffset = 20;
    private const int StatxModeOffset = 28;
    private const int FileTypeMask = 0xF000;
    private const int DirectoryType = 0x4000;
    private const int GroupOrOthersWrite = 0x12;

    /// <summary>
    /// The default cache root: a per-user folder under the temp path (local disk, like the temp folder serverless hosts
    /// give each instance), named after the effective user id; on Windows under the user's local application data.
    /// </summary>
    public static string DefaultCacheRoot() => OperatingSystem.IsWindows()
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "serverless-models")
        : Path.Combine(Path.GetTempPath(), "serverless-models-" + EffectiveUserId().ToString(CultureInfo.InvariantCulture));

    /// <summary>Creates the folder (mode 0700) when missing, then checks that it is private.</summary>
    /// <exception cref="ServiceUnavailableException">The folder cannot be created or is not private (model-cache-unavailable).</exception>
    public static void Ensure(string path)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
                return;
            }

            Directory.CreateDirectory(path, OwnerOnly);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw ServiceUnavailableException.Cache(
                $"The model cache folder '{path}' cannot be created ({ex.Message}): set Registry:CacheDirectory to a folder this app may write.", ex);
        }

        if (!OperatingSystem.IsLinux())
        {
            // Owner and type need statx; other Unix systems still get the mode check.
            CheckMode(path, (int)File.GetUnixFileMode(path));
            return;
        }

        var status = new byte[StatxSize];
        if (Statx(AtCurrentDirectory, path, AtSymlinkNoFollow, StatxTypeModeUid, status) != 0)
        {
            throw ServiceUnavailableException.Cache(
                $"The model cache folder '{path}' cannot be inspected (errno {Marshal.GetLastPInvokeError()}): set Registry:CacheDirectory to a folder this app owns.");
        }

        var owner = BitConverter.ToUInt32(status, StatxUidOffset);
        int mode = BitConverter.ToUInt16(status, StatxModeOffset);
        if ((mode & FileTypeMask) != DirectoryType)
        {
            throw NotPrivate(path, "it is not a folder but a link or a file");
        }

        if (owner != EffectiveUserId())
        {
            throw NotPrivate(path, string.Create(CultureInfo.InvariantCulture, $"it belongs to user {owner}, not to this process's user {EffectiveUserId()}"));
        }

        CheckMode(path, mode);
    }

    private static void CheckMode(string path, int mode)
    {
        if ((mode & GroupOrOthersWrite) != 0)
        {
            throw NotPrivate(path, string.Create(CultureInfo.InvariantCulture, $"its group or other users may write to it (mode {Convert.ToString(mode & 0x1FF, 8)})"));
        }
    }

    private static ServiceUnavailableException NotPrivate(string path, string why) => ServiceUnavailableException.Cache(
        $"The model cache folder '{path}' is refused because {why}: someone else could replace a verified model there. " +
        "Remove it, or set Registry:CacheDirectory to a folder only this app's user can write (mode 0700).");

    private static uint EffectiveUserId() => OperatingSystem.IsWindows() ? 0 : GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, [Out] byte[] status);
}
