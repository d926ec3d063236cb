using System.ComponentModel;

namespace ConvNet.Internal;

/// <summary>Unchecked kernels on refs, shared by all layers of all generated networks; callers validate lengths first.
/// For generated networks only: not part of ConvNet's supported API, and it may change in any version.</summary>
// Generated networks call these by their full names (global::ConvNet.Internal.Kernels.Gemm<...>), so no member of a
// user's class can hide them. They live here, not in each network, so they are compiled optimised whatever the user's
// configuration, JIT-compiled once per process rather than once per network, and tested on their own
// (tests/ConvNet.Runtime.Tests/KernelTests.cs, at every vector width). Strides and counts are parameters (one kernel
// serves every layer); each generated layer passes literals. Every kernel that is not inlined is marked
// AggressiveOptimization: tier-0 code of these generic struct kernels calls every vector operation instead of inlining
// it, and ran a training run's first epoch three times slower than the rest until tiering replaced it.
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Kernels
{
    /// <summary>Rows of the GEMM tile at every width, and of the dot-product tile: generated layers that split work into
    /// blocks of rows (a batch chunk, a conv's filters) use multiples of it. With <see cref="TileVectors"/> columns,
    /// 4x3 = 12 accumulators: enough independent FMA chains to hide FMA latency (4 cycles x 2 pipes), and with 3 B loads
    /// and a broadcast the tile still fits AVX2's 16 vector registers.</summary>
    public const int TileRows = 4;

    /// <summary>Columns of the widest GEMM tile, in vectors (see <see cref="TileRows"/>).</summary>
    public const int TileVectors = 3;

    // Rows of the wide tiles used only at 512 bits, where there are 32 vector registers: 8x3 = 24 accumulators + 3 B
    // vectors + 1 broadcast = 28 registers, and 24 FMAs per 11 loads instead of 12 per 7, so the GEMM is less bound by
    // loads and broadcasts.
    private const int WideRows = 8;

    // Rows of the 512-bit tile for a remainder of 6 or 7 rows after the wide blocks (LeNet's 6 filters, or 150 = 18 x 8 + 6
    // im2col rows): one 6-row tile reads each B vector once, where 4 + 2 rows would read it twice.
    private const int SixRows = 6;

    /// <summary>Initial accumulators for GEMMs without a bias.</summary>
    // As long as the widest tile: a tile reads init[row within tile] when the caller passes irs = 0.
    public static readonly float[] Zeros = new float[WideRows];
}
