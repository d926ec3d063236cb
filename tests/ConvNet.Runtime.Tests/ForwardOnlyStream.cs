using System.IO;

namespace ConvNet.Runtime.Tests;

/// <summary>A stream that cannot seek, like a network or pipe stream, for the readers' buffering path.</summary>
internal sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
{
    public override bool CanSeek => false;
}
