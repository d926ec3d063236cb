using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ConvNet.Internal;

// A fully connected layer's backward for one sample (dInput += gᵀ·W, dW += g ⊗ x) as one pass over W and dW. The batch
// path's GEMMs read a weight row once per batch; at batch 1 each is used once, so the pass is bound by memory bandwidth,
// and the one thing left to save is bytes: rows whose gradient is exactly 0 (after a ReLU, about half) leave dW unread
// and unwritten.
public static partial class Kernels
{
    // Rows of a fully connected layer's backward at batch 1, in groups of this many: each vector of dInput is then
    // loaded and stored once per two rows. Not four: where rows are a multiple of 4 KB apart (CIFAR's fc1: 2,048 floats),
    // 4 weight rows and 4 dWeight rows map to one set of the 8-way L1, with x and dx besides, and four rows measured 1.45x
    // slower than two with the weights in L3; from memory the two were as fast. OuterRows2 is written for this size.
    private const int OuterRowGroup = 2;

    /// <summary>dx += gᵀ·W (when inputGradient) and dW += g ⊗ x for an [m, n] weight matrix, n &gt;= V.Count, in one pass.</summary>
    // W, dW [m, n] row-major; x, dx [n]; g [m]. For r < m, j < n: dx[j] += g[r] * W[r, j] in order of r (as the GEMM of the
    // batch path adds them), and dW[r, j] += g[r] * x[j]. Where g[r] == 0 and every x[j] is finite, g[r] * x[j] is a zero
    // and adding it changes no value, so that row of dW is neither read nor written; an infinite or NaN x[j] turns it into
    // NaN, as in the batch path, so then every row is updated. W is read for every row when dx is wanted, so a non-finite
    // weight still reaches dx through a zero gradient (0 * Inf = NaN), as in the batch path.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OuterBackward<TV, V>(ref float weight, ref float dWeight, ref float x, ref float g, ref float dx, int m, int n, bool inputGradient) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        // 0 * x[j] is a zero for finite x[j] and NaN for an infinity or NaN, so the sum is 0 exactly when skipping is exact.
        TV zero = default, poison = default;
        nint j = 0;
        for (; j <= n - V.Count; j += V.Count) poison = V.MultiplyAdd(zero, V.Load(ref x, j), poison);
        if (j < n) poison = V.MultiplyAdd(zero, V.Load(ref x, n - V.Count), poison);
        bool skipZeroRows = V.Sum(poison) == 0;
        // Rows are gathered into groups of live rows (dW updated) and of zero rows (dx only); a zero row adds exact zeros to dx,
        // so taking it out of turn leaves dx's bits as the in-order sum would.
        Span<int> live = stackalloc int[OuterRowGroup], dead = stackalloc int[OuterRowGroup];
        int liveCount = 0, deadCount = 0;
        for (int r = 0; r < m; r++)
        {
            if (skipZeroRows && Unsafe.Add(ref g, r) == 0)
            {
                if (!inputGradient) continue;
                dead[deadCount++] = r;
                if (deadCount == OuterRowGroup) { OuterRows2<TV, V>(ref weight, ref dWeight, (nint)dead[0] * n, (nint)dead[1] * n, Unsafe.Add(ref g, dead[0]), Unsafe.Add(ref g, dead[1]), ref x, ref dx, n, true, false); deadCount = 0; }
            }
            else
            {
                live[liveCount++] = r;
                if (liveCount == OuterRowGroup) { OuterRows2<TV, V>(ref weight, ref dWeight, (nint)live[0] * n, (nint)live[1] * n, Unsafe.Add(ref g, live[0]), Unsafe.Add(ref g, live[1]), ref x, ref dx, n, inputGradient, true); liveCount = 0; }
            }
        }
        for (int i = 0; i < liveCount; i++) OuterRows1<TV, V>(ref weight, ref dWeight, (nint)live[i] * n, Unsafe.Add(ref g, live[i]), ref x, ref dx, n, inputGradient, true);
        for (int i = 0; i < deadCount; i++) OuterRows1<TV, V>(ref weight, ref dWeight, (nint)dead[i] * n, 0f, ref x, ref dx, n, true, false);
    }

    // Rows at offsets o0..o1 of W and dW [.., n], gradients g0..g1: dx[j] += g_i * W[o_i + j] in order of i when toInput,
    // dW[o_i + j] += g_i * x[j] when toWeight, for j < n. The columns after the last whole vector go to narrower widths, as in Gemm:
    // an overlapping last vector would add twice.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OuterRows2<TV, V>(ref float weight, ref float dWeight, nint o0, nint o1, float g0, float g1, ref float x, ref float dx, int n, bool toInput, bool toWeight) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        TV v0 = V.Broadcast(g0), v1 = V.Broadcast(g1);
        nint j = 0;
        if (toInput && toWeight)
            for (; j <= n - V.Count; j += V.Count)
            {
                TV acc = V.Load(ref dx, j);
                TV xj = V.Load(ref x, j);
                acc = V.MultiplyAdd(v0, V.Load(ref weight, o0 + j), acc);
                V.Store(V.MultiplyAdd(v0, xj, V.Load(ref dWeight, o0 + j)), ref dWeight, o0 + j);
                acc = V.MultiplyAdd(v1, V.Load(ref weight, o1 + j), acc);
                V.Store(V.MultiplyAdd(v1, xj, V.Load(ref dWeight, o1 + j)), ref dWeight, o1 + j);
                V.Store(acc, ref dx, j);
            }
        else if (toInput)
            for (; j <= n - V.Count; j += V.Count)
            {
                TV acc = V.Load(ref dx, j);
                acc = V.MultiplyAdd(v0, V.Load(ref weight, o0 + j), acc);
                acc = V.MultiplyAdd(v1, V.Load(ref weight, o1 + j), acc);
                V.Store(acc, ref dx, j);
            }
        else
            for (; j <= n - V.Count; j += V.Count)
            {
                TV xj = V.Load(ref x, j);
                V.Store(V.MultiplyAdd(v0, xj, V.Load(ref dWeight, o0 + j)), ref dWeight, o0 + j);
                V.Store(V.MultiplyAdd(v1, xj, V.Load(ref dWeight, o1 + j)), ref dWeight, o1 + j);
            }
        if (j == n) return;
        if (V.Count > 8 && n - j >= 8 && Vector256.IsHardwareAccelerated) OuterRows2<Vector256<float>, Vectors.Vec256>(ref Unsafe.Add(ref weight, j), ref Unsafe.Add(ref dWeight, j), o0, o1, g0, g1, ref Unsafe.Add(ref x, j), ref Unsafe.Add(ref dx, j), (int)(n - j), toInput, toWeight);
        else if (V.Count > 4 && n - j >= 4 && Vector128.IsHardwareAccelerated) OuterRows2<Vector128<float>, Vectors.Vec128>(ref Unsafe.Add(ref weight, j), ref Unsafe.Add(ref dWeight, j), o0, o1, g0, g1, ref Unsafe.Add(ref x, j), ref Unsafe.Add(ref dx, j), (int)(n - j), toInput, toWeight);
        else OuterRows2<float, Vectors.Scalar>(ref Unsafe.Add(ref weight, j), ref Unsafe.Add(ref dWeight, j), o0, o1, g0, g1, ref Unsafe.Add(ref x, j), ref Unsafe.Add(ref dx, j), (int)(n - j), toInput, toWeight);
    }

    // Rows at offsets o0..o0 of W and dW [.., n], gradients g0..g0: dx[j] += g_i * W[o_i + j] in order of i when toInput,
    // dW[o_i + j] += g_i * x[j] when toWeight, for j < n. The columns after the last whole vector go to narrower widths, as in Gemm:
    // an overlapping last vector would add twice.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OuterRows1<TV, V>(ref float weight, ref float dWeight, nint o0, float g0, ref float x, ref float dx, int n, bool toInput, bool toWeight) where TV : struct where V : struct, Vectors.IVectorOps<TV>
    {
        TV v0 = V.Broadcast(g0);
        nint j = 0;
        if (toInput && toWeight)
            for (; j <= n - V.Count; j += V.Count)
            {
                TV acc = V.Load(ref dx, j);
                TV xj = V.Load(ref x, j);
                acc = V.MultiplyAdd(v0, V.Load(ref weight, o0 + j), acc);
                V.Store(V.MultiplyAdd(v0, xj, V.Load(ref dWeight, o0 + j)), ref dWeight, o0 + j);
                V.Store(acc, ref dx, j);
            }
        else if (toInput)
            for (; j <= n - V.Count; j += V.Count)
            {
                TV acc = V.Load(ref dx, j);
                acc = V.MultiplyAdd(v0, V.Load(ref weight, o0 + j), acc);
                V.Store(acc, ref dx, j);
            }
        else
            for (; j <= n - V.Count; j += V.Count)
            {
                TV xj = V.Load(ref x, j);
                V.Store(V.MultiplyAdd(v0, xj, V.Load(ref dWeight, o0 + j)), ref dWeight, o0 + j);
            }
        if (j == n) return;
        if (V.Count > 8 && n - j >= 8 && Vector256.IsHardwareAccelerated) OuterRows1<Vector256<float>, Vectors.Vec256>(ref Unsafe.Add(ref weight, j), ref Unsafe.Add(ref dWeight, j), o0, g0, ref Unsafe.Add(ref x, j), ref Unsafe.Add(ref dx, j), (int)(n - j), toInput, toWeight);
        else if (V.Count > 4 && n - j >= 4 && Vector128.IsHardwareAccelerated) OuterRows1<Vector128<float>, Vectors.Vec128>(ref Unsafe.Add(ref weight, j), ref Unsafe.Add(ref dWeight, j), o0, g0, ref Unsafe.Add(ref x, j), ref Unsafe.Add(ref dx, j), (int)(n - j), toInput, toWeight);
        else OuterRows1<float, Vectors.Scalar>(ref Unsafe.Add(ref weight, j), ref Unsafe.Add(ref dWeight, j), o0, g0, ref Unsafe.Add(ref x, j), ref Unsafe.Add(ref dx, j), (int)(n - j), toInput, toWeight);
    }
}
