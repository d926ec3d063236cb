using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace ConvNet;

// Small pieces shared by the file readers and writers (SafeTensors, Idx, OnnxExport).
internal static partial class IoHelpers
{
    // The ending of a temporary file: the target's name, a dot, 32 hex digits of a Guid, then this.
    private const string TemporarySuffix = ".tmp";
    private const int GuidDigits = 32;
    // The longest file name Linux and macOS file systems take, in UTF-8 bytes (Windows counts 255 UTF-16 units, never more
    // than the UTF-8 bytes).
    private const int MaxFileNameBytes = 255;

    /// <summary>Opens a file for reading; a folder gets an error that says so, rather than the "Access denied" the OS
    /// reports for opening one.</summary>
    public static FileStream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            throw new IOException($"'{Path.GetFullPath(path)}' is a folder, not a file.");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    /// <summary>
    /// Writes a file through <paramref name="write"/> under a temporary name in the same folder, flushes it to the disk,
    /// and renames it over <paramref name="path"/>, so a reader never sees a half-written file and a crash or power
    /// loss leaves either the old file or the new one.
    /// </summary>
    /// <remarks>
    /// A process killed mid-write leaves its temporary file behind; every write first deletes the temporaries of the
    /// same target that no live writer holds (a writer holds its own exclusively until it is renamed), so they cannot
    /// accumulate. A symbolic link is written through, as <see cref="File.WriteAllBytes(string, byte[])"/> does: the
    /// file it points to is replaced, in its own folder, and the link stays.
    /// </remarks>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = Path.GetFullPath(path);
        // Renaming over the link would replace the link itself with a file.
        var file = new FileInfo(target);
        if (file.LinkTarget is not null && file.ResolveLinkTarget(returnFinalTarget: true) is { } linked) target = linked.FullName;
        if (Directory.Exists(target))
            throw new IOException($"'{target}' is a folder; give the path of a file to write.");
        string folder = Path.GetDirectoryName(target)!;
        string prefix = TemporaryPrefix(Path.GetFileName(target));
        DeleteAbandonedTemporaries(folder, prefix);

        // Same folder, so the rename cannot cross file systems and replaces the target in one step.
        string temporary = Path.Combine(folder, $"{prefix}{Guid.NewGuid():N}{TemporarySuffix}");
        // FileShare.None takes an exclusive lock (flock on Unix), which tells DeleteAbandonedTemporaries this one is live.
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        try
        {
            using (stream)
            {
                write(stream);
                // The data must be on the disk before the rename is: otherwise a power loss can leave the new name
                // pointing at an empty or partial file.
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        SyncFolder(folder);
    }

    // The target's name and a dot, shortened (at a character boundary) so that the temporary name fits wherever the
    // target's does: a name near the limit gets a prefix that several such targets may share, which only means one
    // save may delete another's abandoned temporaries.
    private static string TemporaryPrefix(string name)
    {
        int budget = MaxFileNameBytes - 1 - GuidDigits - TemporarySuffix.Length;
        int length = 0, bytes = 0;
        while (length < name.Length)
        {
            int step = char.IsSurrogatePair(name, length) ? 2 : 1;
            int size = System.Text.Encoding.UTF8.GetByteCount(name.AsSpan(length, step));
            if (bytes + size > budget) break;
            bytes += size;
            length += step;
        }
        return name[..length] + ".";
    }

    private static void DeleteAbandonedTemporaries(string folder, string prefix)
    {
        foreach (string candidate in Directory.EnumerateFiles(folder, prefix + "*" + TemporarySuffix))
        {
            string name = Path.GetFileName(candidate);
            if (name.Length != prefix.Length + GuidDigits + TemporarySuffix.Length
                || !Guid.TryParseExact(name.AsSpan(prefix.Length, GuidDigits), "N", out _))
                continue;
            try
            {
                // Succeeds only if no writer holds it: a writer killed mid-save released its lock when it died.
                using var abandoned = new FileStream(candidate, FileMode.Open, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another save in progress, or not ours to delete: leave it.
            }
        }
    }

    // The rename lives in the folder's entry list, which is written to disk on its own schedule; syncing the folder
    // makes the rename durable too. Best effort: not every file system supports it, and Windows has no such call.
    private static void SyncFolder(string folder)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())) return;
        try
        {
            int fd = Open(folder, 0 /* O_RDONLY */);
            if (fd < 0) return;
            _ = FSync(fd);
            _ = Close(fd);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A C library that does not answer to "libc" (some minimal distributions): the file itself is on the disk.
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>Fills <paramref name="buffer"/> from the stream; returns how many bytes it got before the stream ended.</summary>
    public static int ReadUpTo(Stream stream, Span<byte> buffer) =>
        stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);

    /// <summary>Reads and discards <paramref name="count"/> bytes; returns how many there were before the stream ended.</summary>
    public static long Skip(Stream stream, long count)
    {
        if (stream.CanSeek)
        {
            long available = Math.Max(0, Math.Min(count, stream.Length - stream.Position));
            stream.Position += available;
            return available;
        }
        Span<byte> sink = stackalloc byte[4096];
        long skipped = 0;
        while (skipped < count)
        {
            int read = stream.Read(sink[..(int)Math.Min(sink.Length, count - skipped)]);
            if (read == 0) break;
            skipped += read;
        }
        return skipped;
    }

    // Formats a shape as [6, 1, 5, 5] for error messages.
    public static string FormatShape<T>(IReadOnlyList<T> shape) => $"[{string.Join(", ", shape)}]";
}
