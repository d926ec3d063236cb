using System;
using System.Collections.Generic;
using System.IO;

namespace ConvNet;

// Small pieces shared by the file readers (SafeTensors, Idx).
internal static class IoHelpers
{
    // The readers look ahead (a magic number, the total length) and step back, so a forward-only stream
    // (network, pipe) is buffered in memory first.
    public static Stream Seekable(Stream stream)
    {
        if (stream.CanSeek) return stream;
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }

    // Writes a file under a temporary name in the same directory, then renames it over the target: the rename cannot
    // cross file systems and replaces the target in one step, so a reader never sees a half-written file and an
    // interrupted write leaves the old one in place.
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        string target = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    // Formats a shape as [6, 1, 5, 5] for error messages.
    public static string FormatShape<T>(IReadOnlyList<T> shape) => $"[{string.Join(", ", shape)}]";
}
