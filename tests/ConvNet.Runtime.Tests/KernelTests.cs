using System;
using System.ComponentModel;
using System.Reflection;
using System.Runtime.Intrinsics;
using ConvNet.Internal;
using Xunit;

namespace ConvNet.Runtime.Tests;

/// <summary>
/// The shared kernels of ConvNet.Internal on their own, at every vector width (a width the CPU does not accelerate still
/// runs, in software), against naive loops. Operands are small integers, so every sum is exact in float whatever the
/// order of additions, and results are compared bit for bit. Each output buffer has guard values around it, so a write
/// outside its range shows.
/// </summary>
public sealed class KernelTests
{
    public static TheoryData<string> Widths => ["512", "256", "128", "scalar"];

    private const float Guard = -12345f;

    /// <summary>Runs the generic check <typeparamref name="T"/> at the width named.</summary>
    private static void AtWidth<T>(string width) where T : IWidthCheck
    {
        switch (width)
        {
            case "512": T.Run<Vector512<float>, Vectors.Vec512>(); break;
            case "256": T.Run<Vector256<float>, Vectors.Vec256>(); break;
            case "128": T.Run<Vector128<float>, Vectors.Vec128>(); break;
            default: T.Run<float, Vectors.Scalar>(); break;
        }
    }

    private interface IWidthCheck
    {
        static abstract void Run<TV, V>() where TV : struct where V : struct, Vectors.IVectorOps<TV>;
    }

    private static float[] Ints(Rng rng, int n, int range = 5)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = rng.NextInt(2 * range + 1) - range;
        return x;
    }

    /// <summary>A buffer of n values at [1, n + 1), guard values at 0 and n + 1.</summary>
    private static float[] Guarded(float[] values)
    {
        var b = new float[values.Length + 2];
        b[0] = b[^1] = Guard;
        values.CopyTo(b, 1);
        return b;
    }

    private static void AssertGuards(float[] b, string what)
    {
        Assert.True(b[0] == Guard && b[^1] == Guard, $"{what}: wrote outside its range");
    }

    [Theory, MemberData(nameof(Widths))]
    public void Gemm_matches_a_naive_product_for_every_shape_stride_and_mode(string width) => AtWidth<GemmCheck>(width);

    private sealed class GemmCheck : IWidthCheck
    {
        public static void Run<TV, V>() where TV : struct where V : struct, Vectors.IVectorOps<TV>
        {
            var rng = new Rng(1);
            foreach (int m in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 17 })
                foreach (int n in new[] { V.Count, V.Count + 1, 2 * V.Count - 1, 3 * V.Count, 3 * V.Count + 5, 7 * V.Count + 3 })
                    foreach (int k in new[] { 1, 3, 8 })
                        foreach (bool transposedA in new[] { false, true })
                            foreach (bool accumulate in new[] { false, true })
                            foreach (int irs in new[] { 1, 0 })
                            {
                                // A is m x k with row stride ars and column stride aks (row-major, or transposed: column-major);
                                // B is k x n with row stride bks > n; C is m x n with row stride crs > n. init is a bias per row
                                // (irs = 1) or the shared zeros (irs = 0), the two ways the generated layers call it.
                                int ars = transposedA ? 1 : k + 2, aks = transposedA ? m + 1 : 1, bks = n + 3, crs = n + 1;
                                float[] a = Ints(rng, transposedA ? k * aks : m * ars), b = Ints(rng, k * bks);
                                float[] init = irs == 1 ? Ints(rng, m) : Kernels.Zeros;
                                float[] c0 = Ints(rng, m * crs), c = Guarded(c0);
                                Kernels.Gemm<TV, V>(ref a[0], ars, aks, ref b[0], bks, k, ref init[0], irs, ref c[1], crs, m, n, accumulate);
                                AssertGuards(c, $"Gemm m={m} n={n} k={k}");
                                for (int r = 0; r < m; r++)
                                    for (int j = 0; j < crs; j++)
                                    {
                                        float expected = c0[r * crs + j];
                                        if (j < n)
                                        {
                                            expected = accumulate ? expected : init[r * irs];
                                            for (int p = 0; p < k; p++) expected += a[r * ars + p * aks] * b[p * bks + j];
                                        }
                                        Assert.True(expected == c[1 + r * crs + j],
                                            $"Gemm<{typeof(V).Name}> m={m} n={n} k={k} transposedA={transposedA} accumulate={accumulate} irs={irs}: C[{r},{j}] = {c[1 + r * crs + j]}, expected {expected}");
                                    }
                            }
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void GemmTaps_matches_a_naive_product_with_B_rows_at_any_offsets(string width) => AtWidth<GemmTapsCheck>(width);

    private sealed class GemmTapsCheck : IWidthCheck
    {
        public static void Run<TV, V>() where TV : struct where V : struct, Vectors.IVectorOps<TV>
        {
            var rng = new Rng(5);
            foreach (int m in new[] { 1, 3, 4, 6, 8, 9, 17 })
                foreach (int n in new[] { V.Count, V.Count + 1, 2 * V.Count - 1, 3 * V.Count, 3 * V.Count + 5, 7 * V.Count + 3 })
                    foreach (int k in new[] { 1, 5, 27 })
                    {
                        // B's rows start at offsets in no order, overlapping, as a padded image's windows do; A is row-major
                        // with a bias per row, as the generated layers call it.
                        var taps = new nint[k];
                        for (int p = 0; p < k; p++) taps[p] = rng.NextInt(40);
                        int ars = k + 1, crs = n + 2;
                        float[] a = Ints(rng, m * ars), b = Ints(rng, 40 + n), init = Ints(rng, m);
                        float[] c0 = Ints(rng, m * crs), c = Guarded(c0);
                        Kernels.GemmTaps<TV, V>(ref a[0], ars, 1, ref b[0], ref taps[0], k, ref init[0], 1, ref c[1], crs, m, n);
                        AssertGuards(c, $"GemmTaps m={m} n={n} k={k}");
                        for (int r = 0; r < m; r++)
                            for (int j = 0; j < crs; j++)
                            {
                                float expected = c0[r * crs + j];
                                if (j < n)
                                {
                                    expected = init[r];
                                    for (int p = 0; p < k; p++) expected += a[r * ars + p] * b[taps[p] + j];
                                }
                                Assert.True(expected == c[1 + r * crs + j],
                                    $"GemmTaps<{typeof(V).Name}> m={m} n={n} k={k}: C[{r},{j}] = {c[1 + r * crs + j]}, expected {expected}");
                            }
                    }
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void Dots_and_DotsBatch_add_every_row_pair_product(string width) => AtWidth<DotsCheck>(width);

    private sealed class DotsCheck : IWidthCheck
    {
        public static void Run<TV, V>() where TV : struct where V : struct, Vectors.IVectorOps<TV>
        {
            var rng = new Rng(2);
            foreach (int rows in new[] { 1, 2, 3, 4, 5, 9 })
                foreach (int jCount in new[] { 1, 2, 3, 4, 7 })
                    foreach (int n in new[] { V.Count, V.Count + 1, 3 * V.Count - 1, 5 * V.Count + 2 })
                    {
                        int xrs = n + 2, yrs = n + 1, crs = jCount + 3;
                        float[] x = Ints(rng, rows * xrs), y = Ints(rng, jCount * yrs), c0 = Ints(rng, rows * crs);
                        float[] batch = Guarded(c0);
                        Kernels.DotsBatch<TV, V>(ref x[0], xrs, rows, ref y[0], yrs, jCount, n, ref batch[1], crs);
                        AssertGuards(batch, "DotsBatch");
                        float[]? single = null;
                        if (rows <= 4)
                        {
                            single = Guarded(c0);
                            switch (rows)
                            {
                                case 1: Kernels.Dots1<TV, V>(ref x[0], xrs, ref y[0], yrs, jCount, n, ref single[1], crs); break;
                                case 2: Kernels.Dots2<TV, V>(ref x[0], xrs, ref y[0], yrs, jCount, n, ref single[1], crs); break;
                                case 3: Kernels.Dots3<TV, V>(ref x[0], xrs, ref y[0], yrs, jCount, n, ref single[1], crs); break;
                                default: Kernels.Dots4<TV, V>(ref x[0], xrs, ref y[0], yrs, jCount, n, ref single[1], crs); break;
                            }
                            AssertGuards(single, $"Dots{rows}");
                        }
                        for (int s = 0; s < rows; s++)
                            for (int j = 0; j < crs; j++)
                            {
                                float expected = c0[s * crs + j];
                                if (j < jCount)
                                    for (int p = 0; p < n; p++) expected += x[s * xrs + p] * y[j * yrs + p];
                                Assert.True(expected == batch[1 + s * crs + j], $"DotsBatch<{typeof(V).Name}> rows={rows} j={jCount} n={n} at [{s},{j}]");
                                if (single is not null)
                                    Assert.True(expected == single[1 + s * crs + j], $"Dots{rows}<{typeof(V).Name}> j={jCount} n={n} at [{s},{j}]");
                            }
                    }
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void OuterBackward_adds_the_input_gradient_and_the_outer_product(string width) => AtWidth<OuterCheck>(width);

    private sealed class OuterCheck : IWidthCheck
    {
        public static void Run<TV, V>() where TV : struct where V : struct, Vectors.IVectorOps<TV>
        {
            var rng = new Rng(3);
            foreach (int m in new[] { 1, 3, 4, 5, 8, 9, 13 })
                foreach (int n in new[] { V.Count, V.Count + 1, 2 * V.Count - 1, 3 * V.Count + 5, 7 * V.Count + 3 })
                    foreach (bool inputGradient in new[] { true, false })
                    {
                        // Every third gradient is 0 (rows then go out of turn), and x is finite, so those rows of dW stay as they were.
                        float[] weight = Ints(rng, m * n), x = Ints(rng, n), g = Ints(rng, m), dx0 = Ints(rng, n), dw0 = Ints(rng, m * n);
                        for (int r = 0; r < m; r += 3) g[r] = 0;
                        float[] dx = Guarded(dx0), dw = Guarded(dw0);
                        Kernels.OuterBackward<TV, V>(ref weight[0], ref dw[1], ref x[0], ref g[0], ref dx[1], m, n, inputGradient);
                        AssertGuards(dx, "OuterBackward dx");
                        AssertGuards(dw, "OuterBackward dW");
                        for (int j = 0; j < n; j++)
                        {
                            float expected = dx0[j];
                            if (inputGradient)
                                for (int r = 0; r < m; r++) expected += g[r] * weight[r * n + j];
                            Assert.True(expected == dx[1 + j], $"OuterBackward<{typeof(V).Name}> m={m} n={n}: dx[{j}] = {dx[1 + j]}, expected {expected}");
                            for (int r = 0; r < m; r++)
                                Assert.True(dw0[r * n + j] + g[r] * x[j] == dw[1 + r * n + j], $"OuterBackward<{typeof(V).Name}> m={m} n={n}: dW[{r},{j}]");
                        }
                    }
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void OuterBackward_skips_zero_gradient_rows_only_when_that_changes_no_value(string width) => AtWidth<OuterZeroCheck>(width);

    private sealed class OuterZeroCheck : IWidthCheck
    {
        public static void Run<TV, V>() where TV : struct where V : struct, Vectors.IVectorOps<TV>
        {
            int m = 6, n = 2 * V.Count + 1;
            float[] weight = new float[m * n], g = [0, 2, 0, 0, 0, 0];
            Array.Fill(weight, 1f);
            weight[3 * n + n - 1] = float.PositiveInfinity;
            foreach (bool infiniteInput in new[] { false, true })
            {
                var x = new float[n];
                Array.Fill(x, 1f);
                if (infiniteInput) x[1] = float.PositiveInfinity;
                // -0 + 0 * 1 is +0: a zero row that is added shows as +0, one that is skipped keeps -0.
                float[] dw = new float[m * n], dx = new float[n];
                Array.Fill(dw, -0f);
                Kernels.OuterBackward<TV, V>(ref weight[0], ref dw[0], ref x[0], ref g[0], ref dx[0], m, n, true);
                for (int r = 0; r < m; r++)
                    for (int j = 0; j < n; j++)
                    {
                        float expected = r == 1 ? 2 * x[j] : infiniteInput ? -0f + 0f * x[j] : -0f;
                        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(dw[r * n + j]) || float.IsNaN(expected) && float.IsNaN(dw[r * n + j]),
                            $"OuterBackward<{typeof(V).Name}> infiniteInput={infiniteInput}: dW[{r},{j}] = {dw[r * n + j]}, expected {expected}");
                    }
                // The infinite weight sits in a zero-gradient row, and 0 * Inf is NaN: its column of dx is NaN whether or not
                // that row's dW was skipped, as in the batch path.
                for (int j = 0; j < n; j++)
                    Assert.True(j == n - 1 ? float.IsNaN(dx[j]) : dx[j] == 2, $"OuterBackward<{typeof(V).Name}> infiniteInput={infiniteInput}: dx[{j}] = {dx[j]}");
            }
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void Row_helpers_touch_exactly_their_n_values(string width) => AtWidth<RowCheck>(width);

    private sealed class RowCheck : IWidthCheck
    {
        public static void Run<TV, V>() where TV : struct where V : struct, Vectors.IVectorOps<TV>
        {
            var rng = new Rng(3);
            // Copy, Add and Zero take any n >= 1 (rows shorter than a vector included); the rest need n >= V.Count.
            for (int n = 1; n <= 3 * V.Count + 7; n++)
            {
                float[] src = Ints(rng, n), dst0 = Ints(rng, n);
                var copy = Guarded(dst0);
                Kernels.Copy<TV, V>(ref src[0], ref copy[1], n);
                AssertGuards(copy, $"Copy n={n}");
                Assert.Equal(src, copy[1..^1]);

                var sum = Guarded(dst0);
                Kernels.Add<TV, V>(ref src[0], ref sum[1], n);
                AssertGuards(sum, $"Add n={n}");
                for (int i = 0; i < n; i++) Assert.Equal(dst0[i] + src[i], sum[1 + i]);

                var zero = Guarded(dst0);
                Kernels.Zero(ref zero[1], n);
                AssertGuards(zero, $"Zero n={n}");
                Assert.All(zero[1..^1], v => Assert.Equal(0f, v));

                if (n < V.Count) continue;
                float total = 0;
                foreach (float v in src) total += v;
                Assert.Equal(total, Kernels.Sum<TV, V>(ref src[0], n));

                var relu = Guarded(dst0);
                Kernels.Relu<TV, V>(ref src[0], ref relu[1], n);
                AssertGuards(relu, $"Relu n={n}");
                for (int i = 0; i < n; i++) Assert.Equal(src[i] < 0 ? 0f : src[i], relu[1 + i]);

                var sum2 = Guarded(dst0);
                Kernels.Sum2<TV, V>(ref src[0], ref dst0[0], ref sum2[1], n);
                AssertGuards(sum2, $"Sum2 n={n}");
                for (int i = 0; i < n; i++) Assert.Equal(src[i] + dst0[i], sum2[1 + i]);

                var back = Guarded(dst0);
                Kernels.ReluBackward<TV, V>(ref src[0], ref dst0[0], ref back[1], n);
                AssertGuards(back, $"ReluBackward n={n}");
                for (int i = 0; i < n; i++) Assert.Equal(src[i] > 0 ? dst0[i] : 0f, back[1 + i]);

                // Batch norm's passes: shift 2, scale 0.5 and bias 3 keep every value exact.
                var affine = Guarded(dst0);
                Kernels.Affine<TV, V>(ref src[0], ref affine[1], n, 2f, 0.5f, 3f);
                AssertGuards(affine, $"Affine n={n}");
                for (int i = 0; i < n; i++) Assert.Equal((src[i] - 2f) * 0.5f + 3f, affine[1 + i]);

                float squares = 0, sumDy = 0, sumDyx = 0;
                for (int i = 0; i < n; i++) { squares += (src[i] - 1) * (src[i] - 1); sumDy += dst0[i]; sumDyx += dst0[i] * (src[i] - 1); }
                Assert.Equal(squares, Kernels.CenteredSquares<TV, V>(ref src[0], n, 1f));
                Kernels.CenteredSums<TV, V>(ref dst0[0], ref src[0], n, 1f, out float gotDy, out float gotDyx);
                Assert.Equal((sumDy, sumDyx), (gotDy, gotDyx));

                var dx = Guarded(dst0);
                Kernels.CenteredAffine<TV, V>(ref dst0[0], ref src[0], ref dx[1], n, 2f, 1f, 3f, 0.5f);
                AssertGuards(dx, $"CenteredAffine n={n}");
                for (int i = 0; i < n; i++) Assert.Equal(2f * dst0[i] + (0.5f * (src[i] - 1f) + 3f), dx[1 + i]);
            }
        }
    }

    [Theory, MemberData(nameof(Widths))]
    public void Lane_operations_give_the_scalar_results_bit_for_bit(string width) => AtWidth<LaneOpsCheck>(width);

    private sealed class LaneOpsCheck : IWidthCheck
    {
        private static int Bits(float x) => BitConverter.SingleToInt32Bits(x);

        public static void Run<TV, V>() where TV : struct where V : struct, Vectors.IVectorOps<TV>
        {
            // The element-wise operations must agree with Vectors.Scalar lane by lane, special values included, since each
            // kernel runs at whichever width the CPU has; a vector's lanes mix specials with ordinary values.
            float[] specials = [float.NaN, -0f, 0f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.Epsilon, 1f, -1f];
            var rng = new Rng(7);
            int count = V.Count;
            Assert.Equal(LanesOf(typeof(V)), count);
            for (int round = 0; round < 20; round++)
            {
                float[] a = new float[count], b = new float[count];
                for (int i = 0; i < count; i++)
                {
                    a[i] = rng.NextInt(3) == 0 ? specials[rng.NextInt(specials.Length)] : rng.NextUniform(-4f, 4f);
                    b[i] = rng.NextInt(3) == 0 ? specials[rng.NextInt(specials.Length)] : rng.NextUniform(-4f, 4f);
                }
                TV va = V.Load(ref a[0], 0), vb = V.Load(ref b[0], 0);
                var got = new float[count];
                void Check(string op, TV result, Func<float, float, float> scalar)
                {
                    V.Store(result, ref got[0], 0);
                    for (int i = 0; i < count; i++)
                        Assert.True(Bits(scalar(a[i], b[i])) == Bits(got[i]) || float.IsNaN(got[i]) && float.IsNaN(scalar(a[i], b[i])),
                            $"{typeof(V).Name}.{op}({a[i]}, {b[i]}) = {got[i]}, scalar {scalar(a[i], b[i])}");
                }
                Check("Add", V.Add(va, vb), Vectors.Scalar.Add);
                Check("Subtract", V.Subtract(va, vb), Vectors.Scalar.Subtract);
                Check("Divide", V.Divide(va, vb), Vectors.Scalar.Divide);
                Check("Relu", V.Relu(va), (x, _) => Vectors.Scalar.Relu(x));
                Check("ReluBackward", V.ReluBackward(va, vb), Vectors.Scalar.ReluBackward);
                Check("Broadcast", V.Broadcast(b[0]), (_, _) => b[0]);
                for (int lanes = 0; lanes <= count; lanes++)
                {
                    int keep = lanes;
                    V.Store(V.KeepLast(va, keep), ref got[0], 0);
                    for (int i = 0; i < count; i++)
                        Assert.True(Bits(i >= count - keep ? a[i] : 0f) == Bits(got[i]), $"{typeof(V).Name}.KeepLast(lanes: {keep}) lane {i}");
                }
            }
            // Sums and fused products are compared on small integers, where every order of additions and fused or unfused
            // rounding gives the same exact value.
            float[] x = Ints(rng, count), y = Ints(rng, count), z = Ints(rng, count), product = new float[count];
            float total = 0;
            foreach (float v in x) total += v;
            Assert.Equal(total, V.Sum(V.Load(ref x[0], 0)));
            V.Store(V.MultiplyAdd(V.Load(ref x[0], 0), V.Load(ref y[0], 0), V.Load(ref z[0], 0)), ref product[0], 0);
            for (int i = 0; i < count; i++) Assert.Equal(Vectors.Scalar.MultiplyAdd(x[i], y[i], z[i]), product[i]);
        }

        private static int LanesOf(Type ops) =>
            ops == typeof(Vectors.Vec512) ? 16 : ops == typeof(Vectors.Vec256) ? 8 : ops == typeof(Vectors.Vec128) ? 4 : 1;
    }

    [Theory, MemberData(nameof(Widths))]
    public void Pooling_operations_keep_MathF_Max_semantics_and_lane_order(string width) => AtWidth<PoolOpsCheck>(width);

    private sealed class PoolOpsCheck : IWidthCheck
    {
        public static void Run<TV, V>() where TV : struct where V : struct, Vectors.IVectorOps<TV>
        {
            int count = V.Count;
            var pairs = new float[2 * count];
            for (int i = 0; i < pairs.Length; i++) pairs[i] = i * 10;
            var evens = new float[count];
            var odds = new float[count];
            V.Store(V.LoadEvens(ref pairs[0], 0), ref evens[0], 0);
            V.Store(V.LoadOdds(ref pairs[0], 0), ref odds[0], 0);
            for (int i = 0; i < count; i++) Assert.Equal((pairs[2 * i], pairs[2 * i + 1]), (evens[i], odds[i]));
            var back = new float[2 * count];
            V.StoreInterleaved(V.Load(ref evens[0], 0), V.Load(ref odds[0], 0), ref back[0], 0);
            Assert.Equal(pairs, back);

            // Max: NaN from either side, and +0 over -0, exactly as MathF.Max; Claim hands the gradient to the first hit only.
            float[] a = [float.NaN, 1f, -0f, 0f, 3f, float.NegativeInfinity, 2f, float.NaN];
            float[] b = [1f, float.NaN, 0f, -0f, 3f, -1f, -2f, float.NaN];
            var lhs = new float[count];
            var rhs = new float[count];
            for (int i = 0; i < count; i++) (lhs[i], rhs[i]) = (a[i % a.Length], b[i % b.Length]);
            var max = new float[count];
            V.Store(V.Max(V.Load(ref lhs[0], 0), V.Load(ref rhs[0], 0)), ref max[0], 0);
            for (int i = 0; i < count; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(MathF.Max(lhs[i], rhs[i])), BitConverter.SingleToInt32Bits(max[i]));

            var gradient = new float[count];
            Array.Fill(gradient, 5f);
            TV g = V.Load(ref gradient[0], 0);
            var taken = new float[count];
            V.Store(V.Claim(V.Load(ref lhs[0], 0), V.Load(ref max[0], 0), ref g), ref taken[0], 0);
            var left = new float[count];
            V.Store(g, ref left[0], 0);
            for (int i = 0; i < count; i++)
            {
                bool hit = lhs[i] == max[i] || float.IsNaN(lhs[i]);
                Assert.Equal((hit ? 5f : 0f, hit ? 0f : 5f), (taken[i], left[i]));
            }
        }
    }

    [Fact]
    public void The_kernels_are_hidden_from_IntelliSense_and_compiled_into_the_runtime_library()
    {
        foreach (var type in new[] { typeof(Kernels), typeof(Vectors) })
        {
            Assert.Equal(typeof(INetwork).Assembly, type.Assembly);
            Assert.Equal(EditorBrowsableState.Never, type.GetCustomAttribute<EditorBrowsableAttribute>()?.State);
        }
        // Compiled optimised whatever the consumer's configuration: the kernels are marked so, and a Release build of the
        // library does not disable the JIT's optimiser.
        var gemm = typeof(Kernels).GetMethod(nameof(Kernels.Gemm))!;
        Assert.True(gemm.MethodImplementationFlags.HasFlag(MethodImplAttributes.AggressiveOptimization));
    }
}
