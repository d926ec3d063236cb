using System;
using System.IO;

namespace ConvNet.Runtime.Tests;

/// <summary>A pipe: cannot seek, and produces <paramref name="prefix"/> then <paramref name="filler"/> zero bytes,
/// counting what the reader took.</summary>
internal sealed class CountingPipe(byte[] prefix, long filler) : Stream
{
    public long Consumed { get; private set; }
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    // Span-based, so the base class's copy through a rented array does not count against the reader.
    public override int Read(Span<byte> buffer)
    {
        long left = prefix.Length + filler - Consumed;
        int n = (int)Math.Min(buffer.Length, left);
        for (int i = 0; i < n; i++)
        {
            long at = Consumed + i;
            buffer[i] = at < prefix.Length ? prefix[at] : (byte)0;
        }
        Consumed += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
