using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace ConvNet.Benchmarks;

/// <summary>
/// Lets TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> load on Debian 12 by marking its requirement of symbol version
/// <c>GLIBCXX_3.4.32</c> weak, in the copy of the library in the build output.
/// </summary>
/// <remarks>
/// <para>Why: that library was linked against GCC 13's libstdc++ and so requires version GLIBCXX_3.4.32; Debian 12's
/// libstdc++ stops at 3.4.30, and the dynamic loader refuses the whole library. The only symbol bound to that version
/// is <c>_ZSt21ios_base_library_initv</c>, which nothing relocates against, so the library works without it. The ELF
/// format has a flag for exactly this, VER_FLG_WEAK (0x2) on the Vernaux entry of a version requirement: glibc's
/// loader then reports a missing weak version only under LD_DEBUG and loads the library.</para>
/// <para>What: parse the ELF64 section headers, find <c>.gnu.version_r</c> (SHT_GNU_verneed), walk its Verneed and
/// Vernaux entries, and set the weak flag on the Vernaux whose name is GLIBCXX_3.4.32. Nothing else changes.</para>
/// <para>Where: only the copy under the application's base directory (the build output, or BenchmarkDotNet's own
/// output for its child process), never the NuGet cache. The patched bytes go to a new file that then replaces the
/// old directory entry, so even if the build had hard-linked or symlinked the file to the cache, the cache is untouched.
/// It runs before any TorchSharp type is touched (see <see cref="TorchSystem.TryLoad"/>) and is idempotent.</para>
/// </remarks>
internal static class TorchNativePatch
{
    private const string LibraryName = "libLibTorchSharp.so";
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>Patches the library in <paramref name="baseDirectory"/> if needed; returns a line for the report.</summary>
    public static string Apply(string baseDirectory)
    {
        if (!OperatingSystem.IsLinux()) return "not Linux: no patch needed";
        string? path = Find(baseDirectory);
        if (path is null) return $"{LibraryName} not found under {baseDirectory}; nothing patched";
        byte[] elf = File.ReadAllBytes(path);
        var result = MarkWeak(elf, MissingVersion);
        if (result != PatchResult.Patched) return $"{path}: {Describe(result)}";
        string temporary = path + ".patching";
        File.WriteAllBytes(temporary, elf);
        File.Move(temporary, path, overwrite: true);
        return $"{path}: {Describe(result)}";
    }

    private static string? Find(string baseDirectory)
    {
        foreach (var candidate in new[] { Path.Combine(baseDirectory, "runtimes", "linux-x64", "native", LibraryName), Path.Combine(baseDirectory, LibraryName) })
            if (File.Exists(candidate)) return candidate;
        return null;
    }

    internal enum PatchResult { Patched, AlreadyWeak, NotRequired }

    private static string Describe(PatchResult r) => r switch
    {
        PatchResult.Patched => $"marked the {MissingVersion} requirement weak",
        PatchResult.AlreadyWeak => $"{MissingVersion} requirement already weak",
        _ => $"does not require {MissingVersion}; left as is",
    };

    /// <summary>Sets VER_FLG_WEAK on the version requirement named <paramref name="version"/>, in place.</summary>
    internal static PatchResult MarkWeak(byte[] elf, string version)
    {
        var span = elf.AsSpan();
        if (span.Length < 64 || !span[..4].SequenceEqual("\u007fELF"u8))
            throw new InvalidDataException("Not an ELF file.");
        if (span[4] != 2 || span[5] != 1) throw new InvalidDataException("Only little-endian ELF64 is supported.");

        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        ushort shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        for (int s = 0; s < shnum; s++)
        {
            var sh = span.Slice(checked((int)shoff + s * shentsize), shentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;
            int offset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]));
            uint link = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]); // index of the string table for names
            uint count = BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]); // number of Verneed entries
            var strtab = span.Slice(checked((int)shoff + (int)link * shentsize), shentsize);
            int strings = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(strtab[0x18..]));

            int need = offset;
            for (uint n = 0; n < count; n++)
            {
                // Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
                ushort auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]);
                int aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 8)..]);
                for (int a = 0; a < auxCount; a++)
                {
                    // Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
                    uint name = BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 8)..]);
                    if (CString(span, strings + (int)name) == version)
                    {
                        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(span[(aux + 4)..]);
                        if ((flags & VerFlagWeak) != 0) return PatchResult.AlreadyWeak;
                        BinaryPrimitives.WriteUInt16LittleEndian(span[(aux + 4)..], (ushort)(flags | VerFlagWeak));
                        return PatchResult.Patched;
                    }
                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 12)..]);
                }
                need += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 12)..]);
            }
        }
        return PatchResult.NotRequired;
    }

    private static string CString(ReadOnlySpan<byte> data, int start)
    {
        int end = data[start..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(data.Slice(start, end));
    }
}
