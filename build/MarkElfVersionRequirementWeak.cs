using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Marks one symbol-version requirement (e.g. GLIBCXX_3.4.32) weak in the .gnu.version_r section of 64-bit little-endian
/// ELF shared libraries (vna_flags |= VER_FLG_WEAK), so the dynamic loader accepts a system library that lacks that
/// version. Idempotent: a file that is already weak, or never required the version, is not rewritten.
/// </summary>
public sealed class MarkElfVersionRequirementWeak : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>The libraries to patch in place.</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>The version name whose requirement becomes weak.</summary>
    [Required]
    public string Version { get; set; } = "";

    /// <inheritdoc />
    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                var bytes = File.ReadAllBytes(path);
                var outcome = MarkWeak(bytes, Version);
                if (outcome == Outcome.Patched)
                {
                    // Rename over the file rather than rewrite it: the output may be a hard link into the NuGet cache.
                    var temporary = path + ".patching";
                    File.WriteAllBytes(temporary, bytes);
                    File.Delete(path);
                    File.Move(temporary, path);
                    Log.LogMessage(MessageImportance.Normal, "Marked the {0} requirement weak in {1}.", Version, path);
                }
                else
                {
                    Log.LogMessage(MessageImportance.Low, "{0}: {1}, nothing to do.", path, outcome);
                }
            }
            catch (InvalidDataException e)
            {
                Log.LogError("Cannot mark {0} weak in {1}: {2}", Version, path, e.Message);
            }
        }

        return !Log.HasLoggedErrors;
    }

    private enum Outcome { Patched, AlreadyWeak, NotRequired }

    private static Outcome MarkWeak(byte[] elf, string version)
    {
        var span = elf;
        if (span.Length < 64 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }

        if (span[4] != 2 || span[5] != 1)
        {
            throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
        }

        var sectionHeaders = checked((int)U64(span, 0x28));
        int sectionHeaderSize = U16(span, 0x3A);
        int sectionCount = U16(span, 0x3C);
        var result = Outcome.NotRequired;
        for (var i = 0; i < sectionCount; i++)
        {
            var header = sectionHeaders + i * sectionHeaderSize;
            if (U32(span, header + 4) != ShtGnuVerneed)
            {
                continue;
            }

            var offset = checked((int)U64(span, header + 0x18));
            var linked = (int)U32(span, header + 0x28);
            var entries = U32(span, header + 0x2C);
            var stringsHeader = sectionHeaders + linked * sectionHeaderSize;
            var strings = checked((int)U64(span, stringsHeader + 0x18));

            // Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
            // Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
            var need = offset;
            for (var n = 0; n < entries; n++)
            {
                int auxCount = U16(span, need + 2);
                var aux = need + (int)U32(span, need + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var name = (int)U32(span, aux + 8);
                    if (ReadString(span, strings + name) == version)
                    {
                        var flags = U16(span, aux + 4);
                        if ((flags & VerFlagWeak) != 0)
                        {
                            result = result == Outcome.Patched ? Outcome.Patched : Outcome.AlreadyWeak;
                        }
                        else
                        {
                            var weak = flags | VerFlagWeak;
                            span[aux + 4] = (byte)weak;
                            span[aux + 5] = (byte)(weak >> 8);
                            result = Outcome.Patched;
                        }
                    }

                    aux += (int)U32(span, aux + 12);
                }

                need += (int)U32(span, need + 12);
            }
        }

        return result;
    }

    private static string ReadString(byte[] bytes, int offset)
    {
        var end = Array.IndexOf(bytes, (byte)0, offset);
        return Encoding.ASCII.GetString(bytes, offset, (end < 0 ? bytes.Length : end) - offset);
    }

    private static ushort U16(byte[] bytes, int offset) => (ushort)(bytes[offset] | bytes[offset + 1] << 8);

    private static uint U32(byte[] bytes, int offset) => U16(bytes, offset) | (uint)U16(bytes, offset + 2) << 16;

    private static ulong U64(byte[] bytes, int offset) => U32(bytes, offset) | (ulong)U32(bytes, offset + 4) << 32;
}
