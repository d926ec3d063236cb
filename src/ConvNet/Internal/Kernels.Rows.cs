using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ConvNet.Internal;

// Helpers over one row of n values: copies, sums and the element-wise passes of activations and batch norm.
public static partial class Kernels
{
    /// <summary>dst[i] = src[i] for i &lt; n.</summary>
    // dst[i] = src[i] for i < n. An overlapping last vector, as a copy is idempotent; a row shorter than V.Count (a conv output
    // row of 10 under Vector512) takes two overlapping vectors of the widest accelerated width that fits, not scalars.
    // Inlined so that for a constant n (unpadded conv rows) the branches fold and no call is made per row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy<TV, V>(ref float src, ref float dst, int n) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        if (n >= V.Count)
        {
            nint i = 0;
            for (; i <= n - V.Count; i += V.Count) V.Store(V.Load(ref src, i), ref dst, i);
            if (i < n) V.Store(V.Load(ref src, n - V.Count), ref dst, n - V.Count);
        }
        else if (V.Count > 8 && n >= 8 && Vector256.IsHardwareAccelerated) { Vectors.Vec256.Store(Vectors.Vec256.Load(ref src, 0), ref dst, 0); Vectors.Vec256.Store(Vectors.Vec256.Load(ref src, n - 8), ref dst, n - 8); }
        else if (V.Count > 4 && n >= 4 && Vector128.IsHardwareAccelerated) { Vectors.Vec128.Store(Vectors.Vec128.Load(ref src, 0), ref dst, 0); Vectors.Vec128.Store(Vectors.Vec128.Load(ref src, n - 4), ref dst, n - 4); }
        else for (nint i = 0; i < n; i++) Unsafe.Add(ref dst, i) = Unsafe.Add(ref src, i);
    }

    /// <summary>dst[i] = 0 for i &lt; n.</summary>
    // dst[i] = 0 for i < n; Span.Clear is vectorised, a loop of scalar stores is not.
    public static void Zero(ref float dst, int n) => MemoryMarshal.CreateSpan(ref dst, n).Clear();

    /// <summary>dst[i] += src[i] for i &lt; n.</summary>
    // dst[i] += src[i] for i < n. The tail after the V-wide vectors takes one vector of each narrower accelerated width that
    // fits, then scalars (10 = 8 + 2 under Vector512). Not an overlapping masked last vector: it would reload lanes just stored
    // by a narrower store, which store forwarding cannot serve (4x slower in conv col2im). Inlined like Copy, for conv rows.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add<TV, V>(ref float src, ref float dst, int n) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint i = 0;
        for (; i <= n - V.Count; i += V.Count) V.Store(V.Add(V.Load(ref src, i), V.Load(ref dst, i)), ref dst, i);
        if (V.Count > 8 && i <= n - 8 && Vector256.IsHardwareAccelerated) { Vectors.Vec256.Store(Vectors.Vec256.Add(Vectors.Vec256.Load(ref src, i), Vectors.Vec256.Load(ref dst, i)), ref dst, i); i += 8; }
        if (V.Count > 4 && i <= n - 4 && Vector128.IsHardwareAccelerated) { Vectors.Vec128.Store(Vectors.Vec128.Add(Vectors.Vec128.Load(ref src, i), Vectors.Vec128.Load(ref dst, i)), ref dst, i); i += 4; }
        for (; i < n; i++) Unsafe.Add(ref dst, i) += Unsafe.Add(ref src, i);
    }

    /// <summary>The sum of x[0..n), n &gt;= V.Count.</summary>
    // The sum of x[0..n), n >= V.Count, two accumulators.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Sum<TV, V>(ref float x, int n) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        TV s0 = default, s1 = default;
        nint i = 0;
        for (; i <= n - 2 * V.Count; i += 2 * V.Count) { s0 = V.Add(s0, V.Load(ref x, i)); s1 = V.Add(s1, V.Load(ref x, i + V.Count)); }
        for (; i <= n - V.Count; i += V.Count) s0 = V.Add(s0, V.Load(ref x, i));
        if (i < n) s1 = V.Add(s1, V.KeepLast(V.Load(ref x, n - V.Count), (int)(n - i)));
        return V.Sum(V.Add(s0, s1));
    }

    /// <summary>y = relu(x) over n &gt;= V.Count values.</summary>
    // y = relu(x) over n >= V.Count values; the overlapping last vector rewrites the same values.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Relu<TV, V>(ref float x, ref float y, int n) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint i = 0;
        for (; i <= n - V.Count; i += V.Count) V.Store(V.Relu(V.Load(ref x, i)), ref y, i);
        if (i < n) V.Store(V.Relu(V.Load(ref x, n - V.Count)), ref y, n - V.Count);
    }

    /// <summary>c = a + b over n &gt;= V.Count values (c overlaps neither).</summary>
    // c = a + b over n >= V.Count values (c overlaps neither); the overlapping last vector rewrites the same values.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sum2<TV, V>(ref float a, ref float b, ref float c, int n) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint i = 0;
        for (; i <= n - V.Count; i += V.Count) V.Store(V.Add(V.Load(ref a, i), V.Load(ref b, i)), ref c, i);
        if (i < n) V.Store(V.Add(V.Load(ref a, n - V.Count), V.Load(ref b, n - V.Count)), ref c, n - V.Count);
    }

    /// <summary>y = (x - shift) * scale + bias over n &gt;= V.Count values (y does not overlap x).</summary>
    // y = (x - shift) * scale + bias over n >= V.Count values (y does not overlap x): batch norm's per-channel pass.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Affine<TV, V>(ref float x, ref float y, int n, float shift, float scale, float bias) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        TV minus = V.Broadcast(-shift), s = V.Broadcast(scale), b = V.Broadcast(bias);
        nint i = 0;
        for (; i <= n - V.Count; i += V.Count) V.Store(V.MultiplyAdd(V.Add(V.Load(ref x, i), minus), s, b), ref y, i);
        if (i < n) V.Store(V.MultiplyAdd(V.Add(V.Load(ref x, n - V.Count), minus), s, b), ref y, n - V.Count);
    }

    /// <summary>The sum of (x[i] - m)^2 over n &gt;= V.Count values.</summary>
    // The sum of (x[i] - m)^2 over n >= V.Count values: batch norm's squared deviations from a channel's mean.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float CenteredSquares<TV, V>(ref float x, int n, float m) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        TV s = default, minus = V.Broadcast(-m);
        nint i = 0;
        for (; i <= n - V.Count; i += V.Count) { TV e = V.Add(V.Load(ref x, i), minus); s = V.MultiplyAdd(e, e, s); }
        if (i < n) { TV e = V.KeepLast(V.Add(V.Load(ref x, n - V.Count), minus), (int)(n - i)); s = V.MultiplyAdd(e, e, s); }
        return V.Sum(s);
    }

    /// <summary>The sums of dy[i] and of dy[i] * (x[i] - m) over n &gt;= V.Count values.</summary>
    // The sums of dy[i] and of dy[i] * (x[i] - m) over n >= V.Count values: batch norm's gradient sums for one channel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CenteredSums<TV, V>(ref float dy, ref float x, int n, float m, out float sumDy, out float sumDyx) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        TV s0 = default, s1 = default, minus = V.Broadcast(-m);
        nint i = 0;
        for (; i <= n - V.Count; i += V.Count) { TV g = V.Load(ref dy, i); s0 = V.Add(s0, g); s1 = V.MultiplyAdd(g, V.Add(V.Load(ref x, i), minus), s1); }
        if (i < n) { TV g = V.KeepLast(V.Load(ref dy, n - V.Count), (int)(n - i)); s0 = V.Add(s0, g); s1 = V.MultiplyAdd(g, V.Add(V.Load(ref x, n - V.Count), minus), s1); }
        sumDy = V.Sum(s0);
        sumDyx = V.Sum(s1);
    }

    /// <summary>dx = k * dy + (c1 * (x - m) + c0) over n &gt;= V.Count values (dx overlaps neither).</summary>
    // dx = k * dy + (c1 * (x - m) + c0) over n >= V.Count values (dx overlaps neither): batch norm's backward for one channel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CenteredAffine<TV, V>(ref float dy, ref float x, ref float dx, int n, float k, float m, float c0, float c1) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        TV kv = V.Broadcast(k), minus = V.Broadcast(-m), c0v = V.Broadcast(c0), c1v = V.Broadcast(c1);
        nint i = 0;
        for (; i <= n - V.Count; i += V.Count) V.Store(V.MultiplyAdd(kv, V.Load(ref dy, i), V.MultiplyAdd(c1v, V.Add(V.Load(ref x, i), minus), c0v)), ref dx, i);
        if (i < n) V.Store(V.MultiplyAdd(kv, V.Load(ref dy, n - V.Count), V.MultiplyAdd(c1v, V.Add(V.Load(ref x, n - V.Count), minus), c0v)), ref dx, n - V.Count);
    }

    /// <summary>dx = y &gt; 0 ? dy : 0 over n &gt;= V.Count values.</summary>
    // dx = y > 0 ? dy : 0 over n >= V.Count values.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReluBackward<TV, V>(ref float y, ref float dy, ref float dx, int n) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        nint i = 0;
        for (; i <= n - V.Count; i += V.Count) V.Store(V.ReluBackward(V.Load(ref y, i), V.Load(ref dy, i)), ref dx, i);
        if (i < n) V.Store(V.ReluBackward(V.Load(ref y, n - V.Count), V.Load(ref dy, n - V.Count)), ref dx, n - V.Count);
    }
}
