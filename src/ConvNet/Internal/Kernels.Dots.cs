using System.Runtime.CompilerServices;

namespace ConvNet.Internal;

// C += X·Yᵀ: dot products of rows (a fully connected layer's forward), one vector of partial sums per output, so
// each output is one horizontal sum at the end; Dots1-4 serve one to four samples, DotsBatch a batch.
public static partial class Kernels
{
    /// <summary>C += X·Yᵀ for 1 row of X and jCount rows of Y of n &gt;= V.Count values each.</summary>
    // C[m*crs + j] += sum over p < n of X[m*xrs + p] * Y[j*yrs + p], for m < 1, j < jCount, n >= V.Count.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dots1<TV, V>(ref float x, nint xrs, ref float y, nint yrs, int jCount, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        int j = 0;
        for (; j + 3 <= jCount; j += 3) Reduce1x3<TV, V>(ref x, xrs, ref Unsafe.Add(ref y, j * yrs), yrs, n, ref Unsafe.Add(ref c, j), crs);
        for (; j < jCount; j++) Reduce1x1<TV, V>(ref x, xrs, ref Unsafe.Add(ref y, j * yrs), yrs, n, ref Unsafe.Add(ref c, j), crs);
    }

    // Accumulates one vector of partial sums per (m, j); the last vector overlaps and is masked to the lanes not yet counted.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reduce1x3<TV, V>(ref float x, nint xrs, ref float y, nint yrs, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint yr1 = 1 * yrs;
        nint yr2 = 2 * yrs;
        TV s00 = default;
        TV s01 = default;
        TV s02 = default;
        nint p = 0;
        for (; p <= n - V.Count; p += V.Count)
        {
            TV x0 = V.Load(ref x, p);
            TV y0 = V.Load(ref y, p);
            TV y1 = V.Load(ref y, yr1 + p);
            TV y2 = V.Load(ref y, yr2 + p);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s01 = V.MultiplyAdd(x0, y1, s01);
            s02 = V.MultiplyAdd(x0, y2, s02);
        }
        if (p < n)
        {
            int keep = (int)(n - p);
            p = n - V.Count;
            TV x0 = V.KeepLast(V.Load(ref x, p), keep);
            TV y0 = V.KeepLast(V.Load(ref y, p), keep);
            TV y1 = V.KeepLast(V.Load(ref y, yr1 + p), keep);
            TV y2 = V.KeepLast(V.Load(ref y, yr2 + p), keep);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s01 = V.MultiplyAdd(x0, y1, s01);
            s02 = V.MultiplyAdd(x0, y2, s02);
        }
        Unsafe.Add(ref c, 0) += V.Sum(s00);
        Unsafe.Add(ref c, 1) += V.Sum(s01);
        Unsafe.Add(ref c, 2) += V.Sum(s02);
    }

    // Accumulates one vector of partial sums per (m, j); the last vector overlaps and is masked to the lanes not yet counted.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reduce1x1<TV, V>(ref float x, nint xrs, ref float y, nint yrs, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        TV s00 = default;
        nint p = 0;
        for (; p <= n - V.Count; p += V.Count)
        {
            TV x0 = V.Load(ref x, p);
            TV y0 = V.Load(ref y, p);
            s00 = V.MultiplyAdd(x0, y0, s00);
        }
        if (p < n)
        {
            int keep = (int)(n - p);
            p = n - V.Count;
            TV x0 = V.KeepLast(V.Load(ref x, p), keep);
            TV y0 = V.KeepLast(V.Load(ref y, p), keep);
            s00 = V.MultiplyAdd(x0, y0, s00);
        }
        Unsafe.Add(ref c, 0) += V.Sum(s00);
    }

    /// <summary>C += X·Yᵀ for 2 rows of X and jCount rows of Y of n &gt;= V.Count values each.</summary>
    // C[m*crs + j] += sum over p < n of X[m*xrs + p] * Y[j*yrs + p], for m < 2, j < jCount, n >= V.Count.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dots2<TV, V>(ref float x, nint xrs, ref float y, nint yrs, int jCount, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        int j = 0;
        for (; j + 3 <= jCount; j += 3) Reduce2x3<TV, V>(ref x, xrs, ref Unsafe.Add(ref y, j * yrs), yrs, n, ref Unsafe.Add(ref c, j), crs);
        for (; j < jCount; j++) Reduce2x1<TV, V>(ref x, xrs, ref Unsafe.Add(ref y, j * yrs), yrs, n, ref Unsafe.Add(ref c, j), crs);
    }

    // Accumulates one vector of partial sums per (m, j); the last vector overlaps and is masked to the lanes not yet counted.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reduce2x3<TV, V>(ref float x, nint xrs, ref float y, nint yrs, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint xr1 = 1 * xrs, cr1 = 1 * crs;
        nint yr1 = 1 * yrs;
        nint yr2 = 2 * yrs;
        TV s00 = default;
        TV s01 = default;
        TV s02 = default;
        TV s10 = default;
        TV s11 = default;
        TV s12 = default;
        nint p = 0;
        for (; p <= n - V.Count; p += V.Count)
        {
            TV x0 = V.Load(ref x, p);
            TV x1 = V.Load(ref x, xr1 + p);
            TV y0 = V.Load(ref y, p);
            TV y1 = V.Load(ref y, yr1 + p);
            TV y2 = V.Load(ref y, yr2 + p);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s01 = V.MultiplyAdd(x0, y1, s01);
            s02 = V.MultiplyAdd(x0, y2, s02);
            s10 = V.MultiplyAdd(x1, y0, s10);
            s11 = V.MultiplyAdd(x1, y1, s11);
            s12 = V.MultiplyAdd(x1, y2, s12);
        }
        if (p < n)
        {
            int keep = (int)(n - p);
            p = n - V.Count;
            TV x0 = V.KeepLast(V.Load(ref x, p), keep);
            TV x1 = V.KeepLast(V.Load(ref x, xr1 + p), keep);
            TV y0 = V.KeepLast(V.Load(ref y, p), keep);
            TV y1 = V.KeepLast(V.Load(ref y, yr1 + p), keep);
            TV y2 = V.KeepLast(V.Load(ref y, yr2 + p), keep);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s01 = V.MultiplyAdd(x0, y1, s01);
            s02 = V.MultiplyAdd(x0, y2, s02);
            s10 = V.MultiplyAdd(x1, y0, s10);
            s11 = V.MultiplyAdd(x1, y1, s11);
            s12 = V.MultiplyAdd(x1, y2, s12);
        }
        Unsafe.Add(ref c, 0) += V.Sum(s00);
        Unsafe.Add(ref c, 1) += V.Sum(s01);
        Unsafe.Add(ref c, 2) += V.Sum(s02);
        Unsafe.Add(ref c, cr1 + 0) += V.Sum(s10);
        Unsafe.Add(ref c, cr1 + 1) += V.Sum(s11);
        Unsafe.Add(ref c, cr1 + 2) += V.Sum(s12);
    }

    // Accumulates one vector of partial sums per (m, j); the last vector overlaps and is masked to the lanes not yet counted.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reduce2x1<TV, V>(ref float x, nint xrs, ref float y, nint yrs, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint xr1 = 1 * xrs, cr1 = 1 * crs;
        TV s00 = default;
        TV s10 = default;
        nint p = 0;
        for (; p <= n - V.Count; p += V.Count)
        {
            TV x0 = V.Load(ref x, p);
            TV x1 = V.Load(ref x, xr1 + p);
            TV y0 = V.Load(ref y, p);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s10 = V.MultiplyAdd(x1, y0, s10);
        }
        if (p < n)
        {
            int keep = (int)(n - p);
            p = n - V.Count;
            TV x0 = V.KeepLast(V.Load(ref x, p), keep);
            TV x1 = V.KeepLast(V.Load(ref x, xr1 + p), keep);
            TV y0 = V.KeepLast(V.Load(ref y, p), keep);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s10 = V.MultiplyAdd(x1, y0, s10);
        }
        Unsafe.Add(ref c, 0) += V.Sum(s00);
        Unsafe.Add(ref c, cr1 + 0) += V.Sum(s10);
    }

    /// <summary>C += X·Yᵀ for 3 rows of X and jCount rows of Y of n &gt;= V.Count values each.</summary>
    // C[m*crs + j] += sum over p < n of X[m*xrs + p] * Y[j*yrs + p], for m < 3, j < jCount, n >= V.Count.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dots3<TV, V>(ref float x, nint xrs, ref float y, nint yrs, int jCount, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        int j = 0;
        for (; j + 3 <= jCount; j += 3) Reduce3x3<TV, V>(ref x, xrs, ref Unsafe.Add(ref y, j * yrs), yrs, n, ref Unsafe.Add(ref c, j), crs);
        for (; j < jCount; j++) Reduce3x1<TV, V>(ref x, xrs, ref Unsafe.Add(ref y, j * yrs), yrs, n, ref Unsafe.Add(ref c, j), crs);
    }

    // Accumulates one vector of partial sums per (m, j); the last vector overlaps and is masked to the lanes not yet counted.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reduce3x3<TV, V>(ref float x, nint xrs, ref float y, nint yrs, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint xr1 = 1 * xrs, cr1 = 1 * crs;
        nint xr2 = 2 * xrs, cr2 = 2 * crs;
        nint yr1 = 1 * yrs;
        nint yr2 = 2 * yrs;
        TV s00 = default;
        TV s01 = default;
        TV s02 = default;
        TV s10 = default;
        TV s11 = default;
        TV s12 = default;
        TV s20 = default;
        TV s21 = default;
        TV s22 = default;
        nint p = 0;
        for (; p <= n - V.Count; p += V.Count)
        {
            TV x0 = V.Load(ref x, p);
            TV x1 = V.Load(ref x, xr1 + p);
            TV x2 = V.Load(ref x, xr2 + p);
            TV y0 = V.Load(ref y, p);
            TV y1 = V.Load(ref y, yr1 + p);
            TV y2 = V.Load(ref y, yr2 + p);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s01 = V.MultiplyAdd(x0, y1, s01);
            s02 = V.MultiplyAdd(x0, y2, s02);
            s10 = V.MultiplyAdd(x1, y0, s10);
            s11 = V.MultiplyAdd(x1, y1, s11);
            s12 = V.MultiplyAdd(x1, y2, s12);
            s20 = V.MultiplyAdd(x2, y0, s20);
            s21 = V.MultiplyAdd(x2, y1, s21);
            s22 = V.MultiplyAdd(x2, y2, s22);
        }
        if (p < n)
        {
            int keep = (int)(n - p);
            p = n - V.Count;
            TV x0 = V.KeepLast(V.Load(ref x, p), keep);
            TV x1 = V.KeepLast(V.Load(ref x, xr1 + p), keep);
            TV x2 = V.KeepLast(V.Load(ref x, xr2 + p), keep);
            TV y0 = V.KeepLast(V.Load(ref y, p), keep);
            TV y1 = V.KeepLast(V.Load(ref y, yr1 + p), keep);
            TV y2 = V.KeepLast(V.Load(ref y, yr2 + p), keep);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s01 = V.MultiplyAdd(x0, y1, s01);
            s02 = V.MultiplyAdd(x0, y2, s02);
            s10 = V.MultiplyAdd(x1, y0, s10);
            s11 = V.MultiplyAdd(x1, y1, s11);
            s12 = V.MultiplyAdd(x1, y2, s12);
            s20 = V.MultiplyAdd(x2, y0, s20);
            s21 = V.MultiplyAdd(x2, y1, s21);
            s22 = V.MultiplyAdd(x2, y2, s22);
        }
        Unsafe.Add(ref c, 0) += V.Sum(s00);
        Unsafe.Add(ref c, 1) += V.Sum(s01);
        Unsafe.Add(ref c, 2) += V.Sum(s02);
        Unsafe.Add(ref c, cr1 + 0) += V.Sum(s10);
        Unsafe.Add(ref c, cr1 + 1) += V.Sum(s11);
        Unsafe.Add(ref c, cr1 + 2) += V.Sum(s12);
        Unsafe.Add(ref c, cr2 + 0) += V.Sum(s20);
        Unsafe.Add(ref c, cr2 + 1) += V.Sum(s21);
        Unsafe.Add(ref c, cr2 + 2) += V.Sum(s22);
    }

    // Accumulates one vector of partial sums per (m, j); the last vector overlaps and is masked to the lanes not yet counted.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reduce3x1<TV, V>(ref float x, nint xrs, ref float y, nint yrs, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint xr1 = 1 * xrs, cr1 = 1 * crs;
        nint xr2 = 2 * xrs, cr2 = 2 * crs;
        TV s00 = default;
        TV s10 = default;
        TV s20 = default;
        nint p = 0;
        for (; p <= n - V.Count; p += V.Count)
        {
            TV x0 = V.Load(ref x, p);
            TV x1 = V.Load(ref x, xr1 + p);
            TV x2 = V.Load(ref x, xr2 + p);
            TV y0 = V.Load(ref y, p);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s10 = V.MultiplyAdd(x1, y0, s10);
            s20 = V.MultiplyAdd(x2, y0, s20);
        }
        if (p < n)
        {
            int keep = (int)(n - p);
            p = n - V.Count;
            TV x0 = V.KeepLast(V.Load(ref x, p), keep);
            TV x1 = V.KeepLast(V.Load(ref x, xr1 + p), keep);
            TV x2 = V.KeepLast(V.Load(ref x, xr2 + p), keep);
            TV y0 = V.KeepLast(V.Load(ref y, p), keep);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s10 = V.MultiplyAdd(x1, y0, s10);
            s20 = V.MultiplyAdd(x2, y0, s20);
        }
        Unsafe.Add(ref c, 0) += V.Sum(s00);
        Unsafe.Add(ref c, cr1 + 0) += V.Sum(s10);
        Unsafe.Add(ref c, cr2 + 0) += V.Sum(s20);
    }

    /// <summary>C += X·Yᵀ for 4 rows of X and jCount rows of Y of n &gt;= V.Count values each.</summary>
    // C[m*crs + j] += sum over p < n of X[m*xrs + p] * Y[j*yrs + p], for m < 4, j < jCount, n >= V.Count.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dots4<TV, V>(ref float x, nint xrs, ref float y, nint yrs, int jCount, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        int j = 0;
        for (; j + 3 <= jCount; j += 3) Reduce4x3<TV, V>(ref x, xrs, ref Unsafe.Add(ref y, j * yrs), yrs, n, ref Unsafe.Add(ref c, j), crs);
        for (; j < jCount; j++) Reduce4x1<TV, V>(ref x, xrs, ref Unsafe.Add(ref y, j * yrs), yrs, n, ref Unsafe.Add(ref c, j), crs);
    }

    // Accumulates one vector of partial sums per (m, j); the last vector overlaps and is masked to the lanes not yet counted.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reduce4x3<TV, V>(ref float x, nint xrs, ref float y, nint yrs, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint xr1 = 1 * xrs, cr1 = 1 * crs;
        nint xr2 = 2 * xrs, cr2 = 2 * crs;
        nint xr3 = 3 * xrs, cr3 = 3 * crs;
        nint yr1 = 1 * yrs;
        nint yr2 = 2 * yrs;
        TV s00 = default;
        TV s01 = default;
        TV s02 = default;
        TV s10 = default;
        TV s11 = default;
        TV s12 = default;
        TV s20 = default;
        TV s21 = default;
        TV s22 = default;
        TV s30 = default;
        TV s31 = default;
        TV s32 = default;
        nint p = 0;
        for (; p <= n - V.Count; p += V.Count)
        {
            TV x0 = V.Load(ref x, p);
            TV x1 = V.Load(ref x, xr1 + p);
            TV x2 = V.Load(ref x, xr2 + p);
            TV x3 = V.Load(ref x, xr3 + p);
            TV y0 = V.Load(ref y, p);
            TV y1 = V.Load(ref y, yr1 + p);
            TV y2 = V.Load(ref y, yr2 + p);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s01 = V.MultiplyAdd(x0, y1, s01);
            s02 = V.MultiplyAdd(x0, y2, s02);
            s10 = V.MultiplyAdd(x1, y0, s10);
            s11 = V.MultiplyAdd(x1, y1, s11);
            s12 = V.MultiplyAdd(x1, y2, s12);
            s20 = V.MultiplyAdd(x2, y0, s20);
            s21 = V.MultiplyAdd(x2, y1, s21);
            s22 = V.MultiplyAdd(x2, y2, s22);
            s30 = V.MultiplyAdd(x3, y0, s30);
            s31 = V.MultiplyAdd(x3, y1, s31);
            s32 = V.MultiplyAdd(x3, y2, s32);
        }
        if (p < n)
        {
            int keep = (int)(n - p);
            p = n - V.Count;
            TV x0 = V.KeepLast(V.Load(ref x, p), keep);
            TV x1 = V.KeepLast(V.Load(ref x, xr1 + p), keep);
            TV x2 = V.KeepLast(V.Load(ref x, xr2 + p), keep);
            TV x3 = V.KeepLast(V.Load(ref x, xr3 + p), keep);
            TV y0 = V.KeepLast(V.Load(ref y, p), keep);
            TV y1 = V.KeepLast(V.Load(ref y, yr1 + p), keep);
            TV y2 = V.KeepLast(V.Load(ref y, yr2 + p), keep);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s01 = V.MultiplyAdd(x0, y1, s01);
            s02 = V.MultiplyAdd(x0, y2, s02);
            s10 = V.MultiplyAdd(x1, y0, s10);
            s11 = V.MultiplyAdd(x1, y1, s11);
            s12 = V.MultiplyAdd(x1, y2, s12);
            s20 = V.MultiplyAdd(x2, y0, s20);
            s21 = V.MultiplyAdd(x2, y1, s21);
            s22 = V.MultiplyAdd(x2, y2, s22);
            s30 = V.MultiplyAdd(x3, y0, s30);
            s31 = V.MultiplyAdd(x3, y1, s31);
            s32 = V.MultiplyAdd(x3, y2, s32);
        }
        Unsafe.Add(ref c, 0) += V.Sum(s00);
        Unsafe.Add(ref c, 1) += V.Sum(s01);
        Unsafe.Add(ref c, 2) += V.Sum(s02);
        Unsafe.Add(ref c, cr1 + 0) += V.Sum(s10);
        Unsafe.Add(ref c, cr1 + 1) += V.Sum(s11);
        Unsafe.Add(ref c, cr1 + 2) += V.Sum(s12);
        Unsafe.Add(ref c, cr2 + 0) += V.Sum(s20);
        Unsafe.Add(ref c, cr2 + 1) += V.Sum(s21);
        Unsafe.Add(ref c, cr2 + 2) += V.Sum(s22);
        Unsafe.Add(ref c, cr3 + 0) += V.Sum(s30);
        Unsafe.Add(ref c, cr3 + 1) += V.Sum(s31);
        Unsafe.Add(ref c, cr3 + 2) += V.Sum(s32);
    }

    // Accumulates one vector of partial sums per (m, j); the last vector overlaps and is masked to the lanes not yet counted.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Reduce4x1<TV, V>(ref float x, nint xrs, ref float y, nint yrs, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint xr1 = 1 * xrs, cr1 = 1 * crs;
        nint xr2 = 2 * xrs, cr2 = 2 * crs;
        nint xr3 = 3 * xrs, cr3 = 3 * crs;
        TV s00 = default;
        TV s10 = default;
        TV s20 = default;
        TV s30 = default;
        nint p = 0;
        for (; p <= n - V.Count; p += V.Count)
        {
            TV x0 = V.Load(ref x, p);
            TV x1 = V.Load(ref x, xr1 + p);
            TV x2 = V.Load(ref x, xr2 + p);
            TV x3 = V.Load(ref x, xr3 + p);
            TV y0 = V.Load(ref y, p);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s10 = V.MultiplyAdd(x1, y0, s10);
            s20 = V.MultiplyAdd(x2, y0, s20);
            s30 = V.MultiplyAdd(x3, y0, s30);
        }
        if (p < n)
        {
            int keep = (int)(n - p);
            p = n - V.Count;
            TV x0 = V.KeepLast(V.Load(ref x, p), keep);
            TV x1 = V.KeepLast(V.Load(ref x, xr1 + p), keep);
            TV x2 = V.KeepLast(V.Load(ref x, xr2 + p), keep);
            TV x3 = V.KeepLast(V.Load(ref x, xr3 + p), keep);
            TV y0 = V.KeepLast(V.Load(ref y, p), keep);
            s00 = V.MultiplyAdd(x0, y0, s00);
            s10 = V.MultiplyAdd(x1, y0, s10);
            s20 = V.MultiplyAdd(x2, y0, s20);
            s30 = V.MultiplyAdd(x3, y0, s30);
        }
        Unsafe.Add(ref c, 0) += V.Sum(s00);
        Unsafe.Add(ref c, cr1 + 0) += V.Sum(s10);
        Unsafe.Add(ref c, cr2 + 0) += V.Sum(s20);
        Unsafe.Add(ref c, cr3 + 0) += V.Sum(s30);
    }

    /// <summary>C += X·Yᵀ for count rows of X (samples) and jCount rows of Y (weights) of n &gt;= V.Count values each.</summary>
    // C[s*crs + j] += sum over p < n of X[s*xrs + p] * Y[j*yrs + p], for s < count, j < jCount, n >= V.Count.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotsBatch<TV, V>(ref float x, nint xrs, int count, ref float y, nint yrs, int jCount, int n, ref float c, nint crs) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        int j = 0;
        for (; j + 3 <= jCount; j += 3)
        {
            ref float yj = ref Unsafe.Add(ref y, j * yrs);
            ref float cj = ref Unsafe.Add(ref c, j);
            int s = 0;
            for (; s + TileRows <= count; s += TileRows) Reduce4x3<TV, V>(ref Unsafe.Add(ref x, s * xrs), xrs, ref yj, yrs, n, ref Unsafe.Add(ref cj, s * crs), crs);
            if (count - s == 3) Reduce3x3<TV, V>(ref Unsafe.Add(ref x, s * xrs), xrs, ref yj, yrs, n, ref Unsafe.Add(ref cj, s * crs), crs);
            else if (count - s == 2) Reduce2x3<TV, V>(ref Unsafe.Add(ref x, s * xrs), xrs, ref yj, yrs, n, ref Unsafe.Add(ref cj, s * crs), crs);
            else if (count - s == 1) Reduce1x3<TV, V>(ref Unsafe.Add(ref x, s * xrs), xrs, ref yj, yrs, n, ref Unsafe.Add(ref cj, s * crs), crs);
        }
        for (; j + 1 <= jCount; j += 1)
        {
            ref float yj = ref Unsafe.Add(ref y, j * yrs);
            ref float cj = ref Unsafe.Add(ref c, j);
            int s = 0;
            for (; s + TileRows <= count; s += TileRows) Reduce4x1<TV, V>(ref Unsafe.Add(ref x, s * xrs), xrs, ref yj, yrs, n, ref Unsafe.Add(ref cj, s * crs), crs);
            if (count - s == 3) Reduce3x1<TV, V>(ref Unsafe.Add(ref x, s * xrs), xrs, ref yj, yrs, n, ref Unsafe.Add(ref cj, s * crs), crs);
            else if (count - s == 2) Reduce2x1<TV, V>(ref Unsafe.Add(ref x, s * xrs), xrs, ref yj, yrs, n, ref Unsafe.Add(ref cj, s * crs), crs);
            else if (count - s == 1) Reduce1x1<TV, V>(ref Unsafe.Add(ref x, s * xrs), xrs, ref yj, yrs, n, ref Unsafe.Add(ref cj, s * crs), crs);
        }
    }
}
