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

    // Formats a shape as [6, 1, 5, 5] for error messages.
    public static string FormatShape<T>(IReadOnlyList<T> shape) => $"[{string.Join(", ", shape)}]";
}
