using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ConvNet.Internal;

// C = init + A·B where row k of B starts at its own offset taps[k] (any layout, such as a zero-padded image's shifted
// views), not at k times a stride; the panels, blocks and tiles are those of Kernels.Gemm.cs, without accumulation.
public static partial class Kernels
{
    /// <summary>C = init + A·B for m rows and n &gt;= V.Count columns, where B[k, j] = b[taps[k] + j].</summary>
    // C[r*crs + j] = init[r*irs] + sum over k < kCount of A[r*ars + k*aks] * b[taps[k] + j], for r < m, j < n, n >= V.Count.
    // A conv layer's taps are the offsets of its (channel, ky, kx) windows in the zero-padded input, so B is never copied out.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GemmTaps<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, nint irs, ref float c, nint crs, int m, int n) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        int j = 0;
        for (; j + 3 * V.Count <= n; j += 3 * V.Count) TapRows3<TV, V>(ref a, ars, aks, ref Unsafe.Add(ref b, j), ref taps, kCount, ref init, irs, ref Unsafe.Add(ref c, j), crs, m);
        if (j + 2 * V.Count <= n) { TapRows2<TV, V>(ref a, ars, aks, ref Unsafe.Add(ref b, j), ref taps, kCount, ref init, irs, ref Unsafe.Add(ref c, j), crs, m); j += 2 * V.Count; }
        if (j + V.Count <= n) { TapRows1<TV, V>(ref a, ars, aks, ref Unsafe.Add(ref b, j), ref taps, kCount, ref init, irs, ref Unsafe.Add(ref c, j), crs, m); j += V.Count; }
        // The last vector overlaps its neighbour: recomputing a stored value is harmless.
        if (j < n) TapRows1<TV, V>(ref a, ars, aks, ref Unsafe.Add(ref b, n - V.Count), ref taps, kCount, ref init, irs, ref Unsafe.Add(ref c, n - V.Count), crs, m);
    }

    // Rows 0..m of one panel of 3 vectors, in blocks of the largest tile that fits.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapRows3<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, nint irs, ref float c, nint crs, int m) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        int r = 0;
        // V.Count is a JIT-time constant: narrower widths compile this loop away and never instantiate the wide tile.
        if (V.Count == 16)
        {
            for (; r + WideRows <= m; r += WideRows) TapTile8x3<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
            if (m - r >= SixRows) { TapTile6x3<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs); r += SixRows; }
        }
        for (; r + TileRows <= m; r += TileRows) TapTile4x3<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
        if (m - r == 3) TapTile3x3<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
        else if (m - r == 2) TapTile2x3<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
        else if (m - r == 1) TapTile1x3<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
    }

    // Rows 0..m of one panel of 2 vectors, in blocks of the largest tile that fits.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapRows2<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, nint irs, ref float c, nint crs, int m) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        int r = 0;
        // V.Count is a JIT-time constant: narrower widths compile this loop away and never instantiate the wide tile.
        if (V.Count == 16)
        {
            for (; r + WideRows <= m; r += WideRows) TapTile8x2<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
            if (m - r >= SixRows) { TapTile6x2<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs); r += SixRows; }
        }
        for (; r + TileRows <= m; r += TileRows) TapTile4x2<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
        if (m - r == 3) TapTile3x2<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
        else if (m - r == 2) TapTile2x2<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
        else if (m - r == 1) TapTile1x2<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
    }

    // Rows 0..m of one panel of 1 vectors, in blocks of the largest tile that fits.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapRows1<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, nint irs, ref float c, nint crs, int m) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        int r = 0;
        // V.Count is a JIT-time constant: narrower widths compile this loop away and never instantiate the wide tile.
        if (V.Count == 16)
        {
            for (; r + WideRows <= m; r += WideRows) TapTile8x1<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
            if (m - r >= SixRows) { TapTile6x1<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs); r += SixRows; }
        }
        for (; r + TileRows <= m; r += TileRows) TapTile4x1<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
        if (m - r == 3) TapTile3x1<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
        else if (m - r == 2) TapTile2x1<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
        else if (m - r == 1) TapTile1x1<TV, V>(ref Unsafe.Add(ref a, r * ars), ars, aks, ref b, ref taps, kCount, ref Unsafe.Add(ref init, r * irs), ref Unsafe.Add(ref c, r * crs), crs);
    }

    // C[r*crs + j] = init + A·B, for r < 1, j < 3 * V.Count: the 1 x 3-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile1x3<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        TV c00, c01, c02;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c01 = c00;
        c02 = c00;
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV b1 = V.Load(ref bk, V.Count);
            TV b2 = V.Load(ref bk, 2 * V.Count);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            c01 = V.MultiplyAdd(a0, b1, c01);
            c02 = V.MultiplyAdd(a0, b2, c02);
            a = ref Unsafe.Add(ref a, aks);
        }
        V.Store(c00, ref c, 0);
        V.Store(c01, ref c, V.Count);
        V.Store(c02, ref c, 2 * V.Count);
    }

    // C[r*crs + j] = init + A·B, for r < 1, j < 2 * V.Count: the 1 x 2-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile1x2<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        TV c00, c01;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c01 = c00;
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV b1 = V.Load(ref bk, V.Count);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            c01 = V.MultiplyAdd(a0, b1, c01);
            a = ref Unsafe.Add(ref a, aks);
        }
        V.Store(c00, ref c, 0);
        V.Store(c01, ref c, V.Count);
    }

    // C[r*crs + j] = init + A·B, for r < 1, j < 1 * V.Count: the 1 x 1-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile1x1<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        TV c00;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            a = ref Unsafe.Add(ref a, aks);
        }
        V.Store(c00, ref c, 0);
    }

    // C[r*crs + j] = init + A·B, for r < 2, j < 3 * V.Count: the 2 x 3-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile2x3<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars, cr1 = 1 * crs;
        TV c00, c01, c02, c10, c11, c12;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c01 = c00;
        c02 = c00;
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c11 = c10;
        c12 = c10;
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV b1 = V.Load(ref bk, V.Count);
            TV b2 = V.Load(ref bk, 2 * V.Count);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            c01 = V.MultiplyAdd(a0, b1, c01);
            c02 = V.MultiplyAdd(a0, b2, c02);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            c11 = V.MultiplyAdd(a1, b1, c11);
            c12 = V.MultiplyAdd(a1, b2, c12);
            a = ref Unsafe.Add(ref a, aks);
        }
        V.Store(c00, ref c, 0);
        V.Store(c01, ref c, V.Count);
        V.Store(c02, ref c, 2 * V.Count);
        V.Store(c10, ref c, cr1);
        V.Store(c11, ref c, cr1 + V.Count);
        V.Store(c12, ref c, cr1 + 2 * V.Count);
    }

    // C[r*crs + j] = init + A·B, for r < 2, j < 2 * V.Count: the 2 x 2-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile2x2<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars, cr1 = 1 * crs;
        TV c00, c01, c10, c11;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c01 = c00;
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c11 = c10;
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV b1 = V.Load(ref bk, V.Count);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            c01 = V.MultiplyAdd(a0, b1, c01);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            c11 = V.MultiplyAdd(a1, b1, c11);
            a = ref Unsafe.Add(ref a, aks);
        }
        V.Store(c00, ref c, 0);
        V.Store(c01, ref c, V.Count);
        V.Store(c10, ref c, cr1);
        V.Store(c11, ref c, cr1 + V.Count);
    }

    // C[r*crs + j] = init + A·B, for r < 2, j < 1 * V.Count: the 2 x 1-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile2x1<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars, cr1 = 1 * crs;
        TV c00, c10;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            a = ref Unsafe.Add(ref a, aks);
        }
        V.Store(c00, ref c, 0);
        V.Store(c10, ref c, cr1);
    }

    // C[r*crs + j] = init + A·B, for r < 3, j < 3 * V.Count: the 3 x 3-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile3x3<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars, cr1 = 1 * crs;
        nint ar2 = 2 * ars, cr2 = 2 * crs;
        TV c00, c01, c02, c10, c11, c12, c20, c21, c22;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c01 = c00;
        c02 = c00;
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c11 = c10;
        c12 = c10;
        c20 = V.Broadcast(Unsafe.Add(ref init, 2));
        c21 = c20;
        c22 = c20;
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV b1 = V.Load(ref bk, V.Count);
            TV b2 = V.Load(ref bk, 2 * V.Count);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            c01 = V.MultiplyAdd(a0, b1, c01);
            c02 = V.MultiplyAdd(a0, b2, c02);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            c11 = V.MultiplyAdd(a1, b1, c11);
            c12 = V.MultiplyAdd(a1, b2, c12);
            TV a2 = V.Broadcast(Unsafe.Add(ref a, ar2));
            c20 = V.MultiplyAdd(a2, b0, c20);
            c21 = V.MultiplyAdd(a2, b1, c21);
            c22 = V.MultiplyAdd(a2, b2, c22);
            a = ref Unsafe.Add(ref a, aks);
        }
        V.Store(c00, ref c, 0);
        V.Store(c01, ref c, V.Count);
        V.Store(c02, ref c, 2 * V.Count);
        V.Store(c10, ref c, cr1);
        V.Store(c11, ref c, cr1 + V.Count);
        V.Store(c12, ref c, cr1 + 2 * V.Count);
        V.Store(c20, ref c, cr2);
        V.Store(c21, ref c, cr2 + V.Count);
        V.Store(c22, ref c, cr2 + 2 * V.Count);
    }

    // C[r*crs + j] = init + A·B, for r < 3, j < 2 * V.Count: the 3 x 2-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile3x2<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars, cr1 = 1 * crs;
        nint ar2 = 2 * ars, cr2 = 2 * crs;
        TV c00, c01, c10, c11, c20, c21;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c01 = c00;
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c11 = c10;
        c20 = V.Broadcast(Unsafe.Add(ref init, 2));
        c21 = c20;
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV b1 = V.Load(ref bk, V.Count);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            c01 = V.MultiplyAdd(a0, b1, c01);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            c11 = V.MultiplyAdd(a1, b1, c11);
            TV a2 = V.Broadcast(Unsafe.Add(ref a, ar2));
            c20 = V.MultiplyAdd(a2, b0, c20);
            c21 = V.MultiplyAdd(a2, b1, c21);
            a = ref Unsafe.Add(ref a, aks);
        }
        V.Store(c00, ref c, 0);
        V.Store(c01, ref c, V.Count);
        V.Store(c10, ref c, cr1);
        V.Store(c11, ref c, cr1 + V.Count);
        V.Store(c20, ref c, cr2);
        V.Store(c21, ref c, cr2 + V.Count);
    }

    // C[r*crs + j] = init + A·B, for r < 3, j < 1 * V.Count: the 3 x 1-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile3x1<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars, cr1 = 1 * crs;
        nint ar2 = 2 * ars, cr2 = 2 * crs;
        TV c00, c10, c20;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c20 = V.Broadcast(Unsafe.Add(ref init, 2));
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            TV a2 = V.Broadcast(Unsafe.Add(ref a, ar2));
            c20 = V.MultiplyAdd(a2, b0, c20);
            a = ref Unsafe.Add(ref a, aks);
        }
        V.Store(c00, ref c, 0);
        V.Store(c10, ref c, cr1);
        V.Store(c20, ref c, cr2);
    }

    // C[r*crs + j] = init + A·B, for r < 4, j < 3 * V.Count: the 4 x 3-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile4x3<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars, cr1 = 1 * crs;
        nint ar2 = 2 * ars, cr2 = 2 * crs;
        nint ar3 = 3 * ars, cr3 = 3 * crs;
        TV c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c01 = c00;
        c02 = c00;
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c11 = c10;
        c12 = c10;
        c20 = V.Broadcast(Unsafe.Add(ref init, 2));
        c21 = c20;
        c22 = c20;
        c30 = V.Broadcast(Unsafe.Add(ref init, 3));
        c31 = c30;
        c32 = c30;
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV b1 = V.Load(ref bk, V.Count);
            TV b2 = V.Load(ref bk, 2 * V.Count);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            c01 = V.MultiplyAdd(a0, b1, c01);
            c02 = V.MultiplyAdd(a0, b2, c02);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            c11 = V.MultiplyAdd(a1, b1, c11);
            c12 = V.MultiplyAdd(a1, b2, c12);
            TV a2 = V.Broadcast(Unsafe.Add(ref a, ar2));
            c20 = V.MultiplyAdd(a2, b0, c20);
            c21 = V.MultiplyAdd(a2, b1, c21);
            c22 = V.MultiplyAdd(a2, b2, c22);
            TV a3 = V.Broadcast(Unsafe.Add(ref a, ar3));
            c30 = V.MultiplyAdd(a3, b0, c30);
            c31 = V.MultiplyAdd(a3, b1, c31);
            c32 = V.MultiplyAdd(a3, b2, c32);
            a = ref Unsafe.Add(ref a, aks);
        }
        V.Store(c00, ref c, 0);
        V.Store(c01, ref c, V.Count);
        V.Store(c02, ref c, 2 * V.Count);
        V.Store(c10, ref c, cr1);
        V.Store(c11, ref c, cr1 + V.Count);
        V.Store(c12, ref c, cr1 + 2 * V.Count);
        V.Store(c20, ref c, cr2);
        V.Store(c21, ref c, cr2 + V.Count);
        V.Store(c22, ref c, cr2 + 2 * V.Count);
        V.Store(c30, ref c, cr3);
        V.Store(c31, ref c, cr3 + V.Count);
        V.Store(c32, ref c, cr3 + 2 * V.Count);
    }

    // C[r*crs + j] = init + A·B, for r < 4, j < 2 * V.Count: the 4 x 2-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile4x2<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars, cr1 = 1 * crs;
        nint ar2 = 2 * ars, cr2 = 2 * crs;
        nint ar3 = 3 * ars, cr3 = 3 * crs;
        TV c00, c01, c10, c11, c20, c21, c30, c31;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c01 = c00;
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c11 = c10;
        c20 = V.Broadcast(Unsafe.Add(ref init, 2));
        c21 = c20;
        c30 = V.Broadcast(Unsafe.Add(ref init, 3));
        c31 = c30;
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV b1 = V.Load(ref bk, V.Count);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            c01 = V.MultiplyAdd(a0, b1, c01);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            c11 = V.MultiplyAdd(a1, b1, c11);
            TV a2 = V.Broadcast(Unsafe.Add(ref a, ar2));
            c20 = V.MultiplyAdd(a2, b0, c20);
            c21 = V.MultiplyAdd(a2, b1, c21);
            TV a3 = V.Broadcast(Unsafe.Add(ref a, ar3));
            c30 = V.MultiplyAdd(a3, b0, c30);
            c31 = V.MultiplyAdd(a3, b1, c31);
            a = ref Unsafe.Add(ref a, aks);
        }
        V.Store(c00, ref c, 0);
        V.Store(c01, ref c, V.Count);
        V.Store(c10, ref c, cr1);
        V.Store(c11, ref c, cr1 + V.Count);
        V.Store(c20, ref c, cr2);
        V.Store(c21, ref c, cr2 + V.Count);
        V.Store(c30, ref c, cr3);
        V.Store(c31, ref c, cr3 + V.Count);
    }

    // C[r*crs + j] = init + A·B, for r < 4, j < 1 * V.Count: the 4 x 1-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile4x1<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars, cr1 = 1 * crs;
        nint ar2 = 2 * ars, cr2 = 2 * crs;
        nint ar3 = 3 * ars, cr3 = 3 * crs;
        TV c00, c10, c20, c30;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c20 = V.Broadcast(Unsafe.Add(ref init, 2));
        c30 = V.Broadcast(Unsafe.Add(ref init, 3));
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            TV a2 = V.Broadcast(Unsafe.Add(ref a, ar2));
            c20 = V.MultiplyAdd(a2, b0, c20);
            TV a3 = V.Broadcast(Unsafe.Add(ref a, ar3));
            c30 = V.MultiplyAdd(a3, b0, c30);
            a = ref Unsafe.Add(ref a, aks);
        }
        V.Store(c00, ref c, 0);
        V.Store(c10, ref c, cr1);
        V.Store(c20, ref c, cr2);
        V.Store(c30, ref c, cr3);
    }

    // C[r*crs + j] = init + A·B, for r < 8, j < 3 * V.Count: the 8 x 3-vector tile.
    // Wide tiles address rows 4..7 from a second pointer with the same three offsets, and compute the C row offsets
    // after the loop: x64 has 16 general registers, and 7 + 7 row offsets would spill inside the k loop.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile8x3<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars;
        nint ar2 = 2 * ars;
        nint ar3 = 3 * ars;
        ref float aHi = ref Unsafe.Add(ref a, 4 * ars);
        TV c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c01 = c00;
        c02 = c00;
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c11 = c10;
        c12 = c10;
        c20 = V.Broadcast(Unsafe.Add(ref init, 2));
        c21 = c20;
        c22 = c20;
        c30 = V.Broadcast(Unsafe.Add(ref init, 3));
        c31 = c30;
        c32 = c30;
        c40 = V.Broadcast(Unsafe.Add(ref init, 4));
        c41 = c40;
        c42 = c40;
        c50 = V.Broadcast(Unsafe.Add(ref init, 5));
        c51 = c50;
        c52 = c50;
        c60 = V.Broadcast(Unsafe.Add(ref init, 6));
        c61 = c60;
        c62 = c60;
        c70 = V.Broadcast(Unsafe.Add(ref init, 7));
        c71 = c70;
        c72 = c70;
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV b1 = V.Load(ref bk, V.Count);
            TV b2 = V.Load(ref bk, 2 * V.Count);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            c01 = V.MultiplyAdd(a0, b1, c01);
            c02 = V.MultiplyAdd(a0, b2, c02);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            c11 = V.MultiplyAdd(a1, b1, c11);
            c12 = V.MultiplyAdd(a1, b2, c12);
            TV a2 = V.Broadcast(Unsafe.Add(ref a, ar2));
            c20 = V.MultiplyAdd(a2, b0, c20);
            c21 = V.MultiplyAdd(a2, b1, c21);
            c22 = V.MultiplyAdd(a2, b2, c22);
            TV a3 = V.Broadcast(Unsafe.Add(ref a, ar3));
            c30 = V.MultiplyAdd(a3, b0, c30);
            c31 = V.MultiplyAdd(a3, b1, c31);
            c32 = V.MultiplyAdd(a3, b2, c32);
            TV a4 = V.Broadcast(aHi);
            c40 = V.MultiplyAdd(a4, b0, c40);
            c41 = V.MultiplyAdd(a4, b1, c41);
            c42 = V.MultiplyAdd(a4, b2, c42);
            TV a5 = V.Broadcast(Unsafe.Add(ref aHi, ar1));
            c50 = V.MultiplyAdd(a5, b0, c50);
            c51 = V.MultiplyAdd(a5, b1, c51);
            c52 = V.MultiplyAdd(a5, b2, c52);
            TV a6 = V.Broadcast(Unsafe.Add(ref aHi, ar2));
            c60 = V.MultiplyAdd(a6, b0, c60);
            c61 = V.MultiplyAdd(a6, b1, c61);
            c62 = V.MultiplyAdd(a6, b2, c62);
            TV a7 = V.Broadcast(Unsafe.Add(ref aHi, ar3));
            c70 = V.MultiplyAdd(a7, b0, c70);
            c71 = V.MultiplyAdd(a7, b1, c71);
            c72 = V.MultiplyAdd(a7, b2, c72);
            a = ref Unsafe.Add(ref a, aks);
            aHi = ref Unsafe.Add(ref aHi, aks);
        }
        nint cr1 = 1 * crs;
        nint cr2 = 2 * crs;
        nint cr3 = 3 * crs;
        nint cr4 = 4 * crs;
        nint cr5 = 5 * crs;
        nint cr6 = 6 * crs;
        nint cr7 = 7 * crs;
        V.Store(c00, ref c, 0);
        V.Store(c01, ref c, V.Count);
        V.Store(c02, ref c, 2 * V.Count);
        V.Store(c10, ref c, cr1);
        V.Store(c11, ref c, cr1 + V.Count);
        V.Store(c12, ref c, cr1 + 2 * V.Count);
        V.Store(c20, ref c, cr2);
        V.Store(c21, ref c, cr2 + V.Count);
        V.Store(c22, ref c, cr2 + 2 * V.Count);
        V.Store(c30, ref c, cr3);
        V.Store(c31, ref c, cr3 + V.Count);
        V.Store(c32, ref c, cr3 + 2 * V.Count);
        V.Store(c40, ref c, cr4);
        V.Store(c41, ref c, cr4 + V.Count);
        V.Store(c42, ref c, cr4 + 2 * V.Count);
        V.Store(c50, ref c, cr5);
        V.Store(c51, ref c, cr5 + V.Count);
        V.Store(c52, ref c, cr5 + 2 * V.Count);
        V.Store(c60, ref c, cr6);
        V.Store(c61, ref c, cr6 + V.Count);
        V.Store(c62, ref c, cr6 + 2 * V.Count);
        V.Store(c70, ref c, cr7);
        V.Store(c71, ref c, cr7 + V.Count);
        V.Store(c72, ref c, cr7 + 2 * V.Count);
    }

    // C[r*crs + j] = init + A·B, for r < 8, j < 2 * V.Count: the 8 x 2-vector tile.
    // Wide tiles address rows 4..7 from a second pointer with the same three offsets, and compute the C row offsets
    // after the loop: x64 has 16 general registers, and 7 + 7 row offsets would spill inside the k loop.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile8x2<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars;
        nint ar2 = 2 * ars;
        nint ar3 = 3 * ars;
        ref float aHi = ref Unsafe.Add(ref a, 4 * ars);
        TV c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c01 = c00;
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c11 = c10;
        c20 = V.Broadcast(Unsafe.Add(ref init, 2));
        c21 = c20;
        c30 = V.Broadcast(Unsafe.Add(ref init, 3));
        c31 = c30;
        c40 = V.Broadcast(Unsafe.Add(ref init, 4));
        c41 = c40;
        c50 = V.Broadcast(Unsafe.Add(ref init, 5));
        c51 = c50;
        c60 = V.Broadcast(Unsafe.Add(ref init, 6));
        c61 = c60;
        c70 = V.Broadcast(Unsafe.Add(ref init, 7));
        c71 = c70;
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV b1 = V.Load(ref bk, V.Count);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            c01 = V.MultiplyAdd(a0, b1, c01);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            c11 = V.MultiplyAdd(a1, b1, c11);
            TV a2 = V.Broadcast(Unsafe.Add(ref a, ar2));
            c20 = V.MultiplyAdd(a2, b0, c20);
            c21 = V.MultiplyAdd(a2, b1, c21);
            TV a3 = V.Broadcast(Unsafe.Add(ref a, ar3));
            c30 = V.MultiplyAdd(a3, b0, c30);
            c31 = V.MultiplyAdd(a3, b1, c31);
            TV a4 = V.Broadcast(aHi);
            c40 = V.MultiplyAdd(a4, b0, c40);
            c41 = V.MultiplyAdd(a4, b1, c41);
            TV a5 = V.Broadcast(Unsafe.Add(ref aHi, ar1));
            c50 = V.MultiplyAdd(a5, b0, c50);
            c51 = V.MultiplyAdd(a5, b1, c51);
            TV a6 = V.Broadcast(Unsafe.Add(ref aHi, ar2));
            c60 = V.MultiplyAdd(a6, b0, c60);
            c61 = V.MultiplyAdd(a6, b1, c61);
            TV a7 = V.Broadcast(Unsafe.Add(ref aHi, ar3));
            c70 = V.MultiplyAdd(a7, b0, c70);
            c71 = V.MultiplyAdd(a7, b1, c71);
            a = ref Unsafe.Add(ref a, aks);
            aHi = ref Unsafe.Add(ref aHi, aks);
        }
        nint cr1 = 1 * crs;
        nint cr2 = 2 * crs;
        nint cr3 = 3 * crs;
        nint cr4 = 4 * crs;
        nint cr5 = 5 * crs;
        nint cr6 = 6 * crs;
        nint cr7 = 7 * crs;
        V.Store(c00, ref c, 0);
        V.Store(c01, ref c, V.Count);
        V.Store(c10, ref c, cr1);
        V.Store(c11, ref c, cr1 + V.Count);
        V.Store(c20, ref c, cr2);
        V.Store(c21, ref c, cr2 + V.Count);
        V.Store(c30, ref c, cr3);
        V.Store(c31, ref c, cr3 + V.Count);
        V.Store(c40, ref c, cr4);
        V.Store(c41, ref c, cr4 + V.Count);
        V.Store(c50, ref c, cr5);
        V.Store(c51, ref c, cr5 + V.Count);
        V.Store(c60, ref c, cr6);
        V.Store(c61, ref c, cr6 + V.Count);
        V.Store(c70, ref c, cr7);
        V.Store(c71, ref c, cr7 + V.Count);
    }

    // C[r*crs + j] = init + A·B, for r < 8, j < 1 * V.Count: the 8 x 1-vector tile.
    // Wide tiles address rows 4..7 from a second pointer with the same three offsets, and compute the C row offsets
    // after the loop: x64 has 16 general registers, and 7 + 7 row offsets would spill inside the k loop.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile8x1<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars;
        nint ar2 = 2 * ars;
        nint ar3 = 3 * ars;
        ref float aHi = ref Unsafe.Add(ref a, 4 * ars);
        TV c00, c10, c20, c30, c40, c50, c60, c70;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c20 = V.Broadcast(Unsafe.Add(ref init, 2));
        c30 = V.Broadcast(Unsafe.Add(ref init, 3));
        c40 = V.Broadcast(Unsafe.Add(ref init, 4));
        c50 = V.Broadcast(Unsafe.Add(ref init, 5));
        c60 = V.Broadcast(Unsafe.Add(ref init, 6));
        c70 = V.Broadcast(Unsafe.Add(ref init, 7));
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            TV a2 = V.Broadcast(Unsafe.Add(ref a, ar2));
            c20 = V.MultiplyAdd(a2, b0, c20);
            TV a3 = V.Broadcast(Unsafe.Add(ref a, ar3));
            c30 = V.MultiplyAdd(a3, b0, c30);
            TV a4 = V.Broadcast(aHi);
            c40 = V.MultiplyAdd(a4, b0, c40);
            TV a5 = V.Broadcast(Unsafe.Add(ref aHi, ar1));
            c50 = V.MultiplyAdd(a5, b0, c50);
            TV a6 = V.Broadcast(Unsafe.Add(ref aHi, ar2));
            c60 = V.MultiplyAdd(a6, b0, c60);
            TV a7 = V.Broadcast(Unsafe.Add(ref aHi, ar3));
            c70 = V.MultiplyAdd(a7, b0, c70);
            a = ref Unsafe.Add(ref a, aks);
            aHi = ref Unsafe.Add(ref aHi, aks);
        }
        nint cr1 = 1 * crs;
        nint cr2 = 2 * crs;
        nint cr3 = 3 * crs;
        nint cr4 = 4 * crs;
        nint cr5 = 5 * crs;
        nint cr6 = 6 * crs;
        nint cr7 = 7 * crs;
        V.Store(c00, ref c, 0);
        V.Store(c10, ref c, cr1);
        V.Store(c20, ref c, cr2);
        V.Store(c30, ref c, cr3);
        V.Store(c40, ref c, cr4);
        V.Store(c50, ref c, cr5);
        V.Store(c60, ref c, cr6);
        V.Store(c70, ref c, cr7);
    }

    // C[r*crs + j] = init + A·B, for r < 6, j < 3 * V.Count: the 6 x 3-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile6x3<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars;
        nint ar2 = 2 * ars;
        nint ar3 = 3 * ars;
        ref float aHi = ref Unsafe.Add(ref a, 4 * ars);
        TV c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32, c40, c41, c42, c50, c51, c52;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c01 = c00;
        c02 = c00;
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c11 = c10;
        c12 = c10;
        c20 = V.Broadcast(Unsafe.Add(ref init, 2));
        c21 = c20;
        c22 = c20;
        c30 = V.Broadcast(Unsafe.Add(ref init, 3));
        c31 = c30;
        c32 = c30;
        c40 = V.Broadcast(Unsafe.Add(ref init, 4));
        c41 = c40;
        c42 = c40;
        c50 = V.Broadcast(Unsafe.Add(ref init, 5));
        c51 = c50;
        c52 = c50;
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV b1 = V.Load(ref bk, V.Count);
            TV b2 = V.Load(ref bk, 2 * V.Count);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            c01 = V.MultiplyAdd(a0, b1, c01);
            c02 = V.MultiplyAdd(a0, b2, c02);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            c11 = V.MultiplyAdd(a1, b1, c11);
            c12 = V.MultiplyAdd(a1, b2, c12);
            TV a2 = V.Broadcast(Unsafe.Add(ref a, ar2));
            c20 = V.MultiplyAdd(a2, b0, c20);
            c21 = V.MultiplyAdd(a2, b1, c21);
            c22 = V.MultiplyAdd(a2, b2, c22);
            TV a3 = V.Broadcast(Unsafe.Add(ref a, ar3));
            c30 = V.MultiplyAdd(a3, b0, c30);
            c31 = V.MultiplyAdd(a3, b1, c31);
            c32 = V.MultiplyAdd(a3, b2, c32);
            TV a4 = V.Broadcast(aHi);
            c40 = V.MultiplyAdd(a4, b0, c40);
            c41 = V.MultiplyAdd(a4, b1, c41);
            c42 = V.MultiplyAdd(a4, b2, c42);
            TV a5 = V.Broadcast(Unsafe.Add(ref aHi, ar1));
            c50 = V.MultiplyAdd(a5, b0, c50);
            c51 = V.MultiplyAdd(a5, b1, c51);
            c52 = V.MultiplyAdd(a5, b2, c52);
            a = ref Unsafe.Add(ref a, aks);
            aHi = ref Unsafe.Add(ref aHi, aks);
        }
        nint cr1 = 1 * crs;
        nint cr2 = 2 * crs;
        nint cr3 = 3 * crs;
        nint cr4 = 4 * crs;
        nint cr5 = 5 * crs;
        V.Store(c00, ref c, 0);
        V.Store(c01, ref c, V.Count);
        V.Store(c02, ref c, 2 * V.Count);
        V.Store(c10, ref c, cr1);
        V.Store(c11, ref c, cr1 + V.Count);
        V.Store(c12, ref c, cr1 + 2 * V.Count);
        V.Store(c20, ref c, cr2);
        V.Store(c21, ref c, cr2 + V.Count);
        V.Store(c22, ref c, cr2 + 2 * V.Count);
        V.Store(c30, ref c, cr3);
        V.Store(c31, ref c, cr3 + V.Count);
        V.Store(c32, ref c, cr3 + 2 * V.Count);
        V.Store(c40, ref c, cr4);
        V.Store(c41, ref c, cr4 + V.Count);
        V.Store(c42, ref c, cr4 + 2 * V.Count);
        V.Store(c50, ref c, cr5);
        V.Store(c51, ref c, cr5 + V.Count);
        V.Store(c52, ref c, cr5 + 2 * V.Count);
    }

    // C[r*crs + j] = init + A·B, for r < 6, j < 2 * V.Count: the 6 x 2-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile6x2<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars;
        nint ar2 = 2 * ars;
        nint ar3 = 3 * ars;
        ref float aHi = ref Unsafe.Add(ref a, 4 * ars);
        TV c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c01 = c00;
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c11 = c10;
        c20 = V.Broadcast(Unsafe.Add(ref init, 2));
        c21 = c20;
        c30 = V.Broadcast(Unsafe.Add(ref init, 3));
        c31 = c30;
        c40 = V.Broadcast(Unsafe.Add(ref init, 4));
        c41 = c40;
        c50 = V.Broadcast(Unsafe.Add(ref init, 5));
        c51 = c50;
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV b1 = V.Load(ref bk, V.Count);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            c01 = V.MultiplyAdd(a0, b1, c01);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            c11 = V.MultiplyAdd(a1, b1, c11);
            TV a2 = V.Broadcast(Unsafe.Add(ref a, ar2));
            c20 = V.MultiplyAdd(a2, b0, c20);
            c21 = V.MultiplyAdd(a2, b1, c21);
            TV a3 = V.Broadcast(Unsafe.Add(ref a, ar3));
            c30 = V.MultiplyAdd(a3, b0, c30);
            c31 = V.MultiplyAdd(a3, b1, c31);
            TV a4 = V.Broadcast(aHi);
            c40 = V.MultiplyAdd(a4, b0, c40);
            c41 = V.MultiplyAdd(a4, b1, c41);
            TV a5 = V.Broadcast(Unsafe.Add(ref aHi, ar1));
            c50 = V.MultiplyAdd(a5, b0, c50);
            c51 = V.MultiplyAdd(a5, b1, c51);
            a = ref Unsafe.Add(ref a, aks);
            aHi = ref Unsafe.Add(ref aHi, aks);
        }
        nint cr1 = 1 * crs;
        nint cr2 = 2 * crs;
        nint cr3 = 3 * crs;
        nint cr4 = 4 * crs;
        nint cr5 = 5 * crs;
        V.Store(c00, ref c, 0);
        V.Store(c01, ref c, V.Count);
        V.Store(c10, ref c, cr1);
        V.Store(c11, ref c, cr1 + V.Count);
        V.Store(c20, ref c, cr2);
        V.Store(c21, ref c, cr2 + V.Count);
        V.Store(c30, ref c, cr3);
        V.Store(c31, ref c, cr3 + V.Count);
        V.Store(c40, ref c, cr4);
        V.Store(c41, ref c, cr4 + V.Count);
        V.Store(c50, ref c, cr5);
        V.Store(c51, ref c, cr5 + V.Count);
    }

    // C[r*crs + j] = init + A·B, for r < 6, j < 1 * V.Count: the 6 x 1-vector tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapTile6x1<TV, V>(ref float a, nint ars, nint aks, ref float b, ref nint taps, int kCount, ref float init, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint ar1 = 1 * ars;
        nint ar2 = 2 * ars;
        nint ar3 = 3 * ars;
        ref float aHi = ref Unsafe.Add(ref a, 4 * ars);
        TV c00, c10, c20, c30, c40, c50;
        c00 = V.Broadcast(Unsafe.Add(ref init, 0));
        c10 = V.Broadcast(Unsafe.Add(ref init, 1));
        c20 = V.Broadcast(Unsafe.Add(ref init, 2));
        c30 = V.Broadcast(Unsafe.Add(ref init, 3));
        c40 = V.Broadcast(Unsafe.Add(ref init, 4));
        c50 = V.Broadcast(Unsafe.Add(ref init, 5));
        for (int k = 0; k < kCount; k++)
        {
            ref float bk = ref Unsafe.Add(ref b, Unsafe.Add(ref taps, k));
            TV b0 = V.Load(ref bk, 0);
            TV a0 = V.Broadcast(a);
            c00 = V.MultiplyAdd(a0, b0, c00);
            TV a1 = V.Broadcast(Unsafe.Add(ref a, ar1));
            c10 = V.MultiplyAdd(a1, b0, c10);
            TV a2 = V.Broadcast(Unsafe.Add(ref a, ar2));
            c20 = V.MultiplyAdd(a2, b0, c20);
            TV a3 = V.Broadcast(Unsafe.Add(ref a, ar3));
            c30 = V.MultiplyAdd(a3, b0, c30);
            TV a4 = V.Broadcast(aHi);
            c40 = V.MultiplyAdd(a4, b0, c40);
            TV a5 = V.Broadcast(Unsafe.Add(ref aHi, ar1));
            c50 = V.MultiplyAdd(a5, b0, c50);
            a = ref Unsafe.Add(ref a, aks);
            aHi = ref Unsafe.Add(ref aHi, aks);
        }
        nint cr1 = 1 * crs;
        nint cr2 = 2 * crs;
        nint cr3 = 3 * crs;
        nint cr4 = 4 * crs;
        nint cr5 = 5 * crs;
        V.Store(c00, ref c, 0);
        V.Store(c10, ref c, cr1);
        V.Store(c20, ref c, cr2);
        V.Store(c30, ref c, cr3);
        V.Store(c40, ref c, cr4);
        V.Store(c50, ref c, cr5);
    }
}
