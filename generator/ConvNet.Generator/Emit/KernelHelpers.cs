namespace ConvNet.Generator.Emit;

/// <summary>Helpers every generated network shares, emitted once per network as private nested types:
/// <list type="bullet">
/// <item>IVectorOps: one vector width as a set of static operations, implemented by Vec512, Vec256, Vec128 and Scalar
/// (TensorPrimitives' operator-struct pattern). Kernels are generic over it, so one kernel body is JIT-compiled once per
/// width with the width a constant, and the dispatch on IsHardwareAccelerated (also a JIT-time constant) costs nothing.</item>
/// <item>Kernels: register-blocked GEMM tiles, dot-product tiles and row helpers over <c>ref float</c>, unchecked.
/// Every caller validates its spans' lengths once before passing refs in.</item>
/// </list>
/// Strides and counts are parameters here (the tiles are shared by all layers); each layer passes literals.</summary>
internal static class KernelHelpers
{
    public const string Ops = "Vectors.IVectorOps<TV>";
    public const string Generic = "<TV, V>";
    public const string Constraint = "where TV : struct where V : struct, Vectors.IVectorOps<TV>";
    public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    public const string Marshal = "global::System.Runtime.InteropServices.MemoryMarshal";
    /// <summary>On every kernel that is not inlined: compiled fully optimised on its first call. Tier-0 code of these
    /// generic struct kernels calls every vector operation instead of inlining it, and runs many times slower until
    /// tiering replaces it, which made a training run's first epoch three times slower than the rest.</summary>
    public const string Hot = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    /// <summary>Opens a kernel method marked <see cref="Hot"/>.</summary>
    public static void OpenKernel(SourceWriter w, string signature)
    {
        w.Line(Hot);
        w.Open(signature);
    }

    public const string Inline = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    /// <summary>Widest GEMM tile in vectors (columns) and rows. 4x3 = 12 accumulators: enough independent FMA chains to
    /// hide FMA latency (4 cycles x 2 pipes), and with 3 B loads and a broadcast it still fits AVX2's 16 registers.</summary>
    public const int TileRows = 4, TileVectors = 3;

    /// <summary>Rows of the wide tiles used only at 512 bits, where there are 32 vector registers: 8x3 = 24
    /// accumulators + 3 B vectors + 1 broadcast = 28 registers, and 24 FMAs per 11 loads instead of 12 per 7, so the
    /// GEMM is less bound by loads and broadcasts.</summary>
    public const int WideRows = 8;

    /// <summary>Rows of the 512-bit tile for a remainder of 6 or 7 rows after the wide blocks (LeNet's 6 filters, or
    /// 150 = 18 x 8 + 6 im2col rows): one 6-row tile reads each B vector once, where 4 + 2 rows would read it twice.</summary>
    public const int SixRows = 6;

    public const string SpanType = "global::System.Span<float>";
    public const string ReadOnlySpanType = "global::System.ReadOnlySpan<float>";

    /// <summary>A C# boolean literal.</summary>
    public static string Bool(bool value) => value ? "true" : "false";

    public static void Emit(SourceWriter w)
    {
        Vectors(w);
        w.Line();
        Kernels(w);
    }

    /// <summary>The accelerated vector widths, widest first.</summary>
    private static readonly (int Lanes, string Check, string Type, string Ops)[] Widths =
    {
        (16, "global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated", "global::System.Runtime.Intrinsics.Vector512<float>", "Vectors.Vec512"),
        (8, "global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated", "global::System.Runtime.Intrinsics.Vector256<float>", "Vectors.Vec256"),
        (4, "global::System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated", "global::System.Runtime.Intrinsics.Vector128<float>", "Vectors.Vec128"),
    };

    /// <summary>The if-chain that picks the widest accelerated width whose vector fits <paramref name="minLength"/>
    /// (kernels need at least one whole vector of their vectorised dimension), then scalar.</summary>
    public static void Dispatch(SourceWriter w, int minLength, string method, string args)
    {
        string keyword = "if";
        foreach (var v in Widths)
        {
            if (v.Lanes > minLength) continue;
            w.Line($"{keyword} ({v.Check}) {method}<{v.Type}, {v.Ops}>({args});");
            keyword = "else if";
        }
        w.Line(keyword == "if" ? $"{method}<float, Vectors.Scalar>({args});" : $"else {method}<float, Vectors.Scalar>({args});");
    }

    private static void Vectors(SourceWriter w)
    {
        w.Line("/// <summary>One SIMD width as static operations; kernels generic over it are compiled once per width.</summary>");
        w.Open("private static class Vectors");
        w.Open("internal interface IVectorOps<TV> where TV : struct");
        w.Line("static abstract int Count { get; }");
        w.Line("static abstract TV Load(ref float source, nint offset);");
        w.Line("static abstract void Store(TV value, ref float destination, nint offset);");
        w.Line("static abstract TV Broadcast(float value);");
        w.Line("/// <summary>a * b + c, fused where the hardware has FMA (exact either way on small integers).</summary>");
        w.Line("static abstract TV MultiplyAdd(TV a, TV b, TV c);");
        w.Line("static abstract TV Add(TV a, TV b);");
        w.Line("static abstract float Sum(TV value);");
        w.Line("/// <summary>Zeroes all lanes but the last <paramref name=\"lanes\"/>: the part of an overlapping last vector not yet counted.</summary>");
        w.Line("static abstract TV KeepLast(TV value, int lanes);");
        w.Line("/// <summary>x &lt; 0 ? 0 : x per lane, so NaN passes through as in the scalar code.</summary>");
        w.Line("static abstract TV Relu(TV x);");
        w.Line("/// <summary>y &gt; 0 ? g : 0 per lane.</summary>");
        w.Line("static abstract TV ReluBackward(TV y, TV g);");
        w.Line("/// <summary>MathF.Max per lane, to the bit: NaN propagates (the first operand's if both are), +0 beats -0.</summary>");
        w.Line("static abstract TV Max(TV a, TV b);");
        w.Line("static abstract TV Divide(TV a, TV b);");
        w.Line("/// <summary>source[offset + 2i] for i &lt; Count (stride-2 pooling); may read all 2 * Count floats from offset.</summary>");
        w.Line("static abstract TV LoadEvens(ref float source, nint offset);");
        w.Line("/// <summary>source[offset + 2i + 1] for i &lt; Count; may read all 2 * Count floats from offset.</summary>");
        w.Line("static abstract TV LoadOdds(ref float source, nint offset);");
        w.Line("/// <summary>destination[offset + 2i] = even[i], destination[offset + 2i + 1] = odd[i] for i &lt; Count.</summary>");
        w.Line("static abstract void StoreInterleaved(TV even, TV odd, ref float destination, nint offset);");
        w.Line("/// <summary>Where v is max (NaN matching NaN), returns gradient and zeroes it, so a later tie gets nothing; elsewhere 0.</summary>");
        w.Line("static abstract TV Claim(TV v, TV max, ref TV gradient);");
        w.Close();
        foreach (var (name, lanes) in new[] { ("Vector512", 16), ("Vector256", 8), ("Vector128", 4) })
        {
            string v = $"global::System.Runtime.Intrinsics.{name}";
            string t = $"{v}<float>";
            w.Line();
            w.Open($"internal readonly struct Vec{lanes * 32} : IVectorOps<{t}>");
            w.Line($"public static int Count => {lanes};");
            w.Line(Inline); w.Line($"public static {t} Load(ref float source, nint offset) => {v}.LoadUnsafe(ref source, (nuint)offset);");
            w.Line(Inline); w.Line($"public static void Store({t} value, ref float destination, nint offset) => {v}.StoreUnsafe(value, ref destination, (nuint)offset);");
            w.Line(Inline); w.Line($"public static {t} Broadcast(float value) => {v}.Create(value);");
            w.Line(Inline); w.Line($"public static {t} MultiplyAdd({t} a, {t} b, {t} c) => {v}.MultiplyAddEstimate(a, b, c);");
            w.Line(Inline); w.Line($"public static {t} Add({t} a, {t} b) => a + b;");
            w.Line(Inline); w.Line($"public static float Sum({t} value) => {v}.Sum(value);");
            w.Line(Inline); w.Line($"public static {t} KeepLast({t} value, int lanes) => value & {v}.AsSingle({v}.GreaterThanOrEqual({v}<int>.Indices, {v}.Create({lanes} - lanes)));");
            w.Line(Inline); w.Line($"public static {t} Relu({t} x) => {v}.AndNot(x, {v}.LessThan(x, {t}.Zero));");
            w.Line(Inline); w.Line($"public static {t} ReluBackward({t} y, {t} g) => g & {v}.GreaterThan(y, {t}.Zero);");
            w.Line(Inline); w.Line($"public static {t} Max({t} a, {t} b) => {v}.Max(a, b);");
            w.Line(Inline); w.Line($"public static {t} Divide({t} a, {t} b) => a / b;");
            Shuffles(w, lanes, v, t);
            w.Line(Inline);
            w.Open($"public static {t} Claim({t} v, {t} max, ref {t} gradient)");
            w.Line($"{t} hit = {v}.Equals(v, max) | {v}.IsNaN(v);");
            w.Line($"{t} taken = gradient & hit;");
            w.Line($"gradient = {v}.AndNot(gradient, hit);");
            w.Line("return taken;");
            w.Close();
            w.Close();
        }
        w.Line();
        w.Line("/// <summary>Width 1: the fallback when no vector width is accelerated, and for dimensions shorter than a Vector128.</summary>");
        w.Open("internal readonly struct Scalar : IVectorOps<float>");
        w.Line("public static int Count => 1;");
        w.Line(Inline); w.Line($"public static float Load(ref float source, nint offset) => {Unsafe}.Add(ref source, offset);");
        w.Line(Inline); w.Line($"public static void Store(float value, ref float destination, nint offset) => {Unsafe}.Add(ref destination, offset) = value;");
        w.Line(Inline); w.Line("public static float Broadcast(float value) => value;");
        w.Line(Inline); w.Line("public static float MultiplyAdd(float a, float b, float c) => a * b + c;");
        w.Line(Inline); w.Line("public static float Add(float a, float b) => a + b;");
        w.Line(Inline); w.Line("public static float Sum(float value) => value;");
        w.Line(Inline); w.Line("public static float KeepLast(float value, int lanes) => lanes > 0 ? value : 0f;");
        w.Line(Inline); w.Line("public static float Relu(float x) => x < 0f ? 0f : x;");
        w.Line(Inline); w.Line("public static float ReluBackward(float y, float g) => y > 0f ? g : 0f;");
        w.Line(Inline); w.Line("public static float Max(float a, float b) => global::System.MathF.Max(a, b);");
        w.Line(Inline); w.Line("public static float Divide(float a, float b) => a / b;");
        w.Line(Inline); w.Line($"public static float LoadEvens(ref float source, nint offset) => {Unsafe}.Add(ref source, offset);");
        w.Line(Inline); w.Line($"public static float LoadOdds(ref float source, nint offset) => {Unsafe}.Add(ref source, offset + 1);");
        w.Line(Inline); w.Line($"public static void StoreInterleaved(float even, float odd, ref float destination, nint offset) {{ {Unsafe}.Add(ref destination, offset) = even; {Unsafe}.Add(ref destination, offset + 1) = odd; }}");
        w.Line(Inline);
        w.Open("public static float Claim(float v, float max, ref float gradient)");
        w.Line("if (v != max && !float.IsNaN(v)) return 0f;");
        w.Line("float taken = gradient;");
        w.Line("gradient = 0f;");
        w.Line("return taken;");
        w.Close();
        w.Close();
        w.Close();
    }

    /// <summary>Deinterleaving loads and interleaving stores: one two-source permute per vector on x86 (AVX-512 vpermt2ps,
    /// AVX2 vshufps + vpermpd, SSE shufps/unpck), else two single-source shuffles and a blend, which any platform has.</summary>
    private static void Shuffles(SourceWriter w, int lanes, string v, string t)
    {
        const string X86 = "global::System.Runtime.Intrinsics.X86";
        string i = $"{v}<int>.Indices";
        var (isa, evens, odds, zipLow, zipHigh) = lanes switch
        {
            16 => ($"{X86}.Avx512F.IsSupported",
                   $"{X86}.Avx512F.PermuteVar16x32x2(a, {i} * 2, b)",
                   $"{X86}.Avx512F.PermuteVar16x32x2(a, {i} * 2 + {v}<int>.One, b)",
                   $"{X86}.Avx512F.PermuteVar16x32x2(even, ({i} >> 1) + (({i} & {v}<int>.One) << 4), odd)",
                   $"{X86}.Avx512F.PermuteVar16x32x2(even, ({i} >> 1) + (({i} & {v}<int>.One) << 4) + {v}.Create(8), odd)"),
            // vshufps picks within 128-bit lanes; vpermpd then puts the 64-bit pairs in order.
            8 => ($"{X86}.Avx2.IsSupported",
                  $"{v}.AsSingle({X86}.Avx2.Permute4x64({v}.AsDouble({X86}.Avx.Shuffle(a, b, 0b10_00_10_00)), 0b11_01_10_00))",
                  $"{v}.AsSingle({X86}.Avx2.Permute4x64({v}.AsDouble({X86}.Avx.Shuffle(a, b, 0b11_01_11_01)), 0b11_01_10_00))",
                  $"{X86}.Avx.Permute2x128({X86}.Avx.UnpackLow(even, odd), {X86}.Avx.UnpackHigh(even, odd), 0x20)",
                  $"{X86}.Avx.Permute2x128({X86}.Avx.UnpackLow(even, odd), {X86}.Avx.UnpackHigh(even, odd), 0x31)"),
            _ => ($"{X86}.Sse.IsSupported",
                  $"{X86}.Sse.Shuffle(a, b, 0b10_00_10_00)",
                  $"{X86}.Sse.Shuffle(a, b, 0b11_01_11_01)",
                  $"{X86}.Sse.UnpackLow(even, odd)",
                  $"{X86}.Sse.UnpackHigh(even, odd)"),
        };
        string load = $"{t} a = {v}.LoadUnsafe(ref source, (nuint)offset), b = {v}.LoadUnsafe(ref source, (nuint)(offset + {lanes}));";
        w.Line(Inline);
        w.Open($"public static {t} LoadEvens(ref float source, nint offset)");
        w.Line(load);
        w.Line($"return {isa} ? {evens} : Unzip(a, b, 0);");
        w.Close();
        w.Line(Inline);
        w.Open($"public static {t} LoadOdds(ref float source, nint offset)");
        w.Line(load);
        w.Line($"return {isa} ? {odds} : Unzip(a, b, 1);");
        w.Close();
        w.Line(Inline);
        w.Open($"public static void StoreInterleaved({t} even, {t} odd, ref float destination, nint offset)");
        w.Line($"{v}.StoreUnsafe({isa} ? {zipLow} : Zip(even, odd, 0), ref destination, (nuint)offset);");
        w.Line($"{v}.StoreUnsafe({isa} ? {zipHigh} : Zip(even, odd, {lanes / 2}), ref destination, (nuint)(offset + {lanes}));");
        w.Close();
        w.Line("// Without the x86 permutes (Arm64, say): both sources shuffled to their even or odd elements, then the halves blended.");
        w.Line($"private static {t} Unzip({t} a, {t} b, int odd) {{ var index = ({i} * 2 + {v}.Create(odd)) & {v}.Create({lanes - 1}); return {v}.ConditionalSelect({v}.AsSingle({v}.LessThan({i}, {v}.Create({lanes / 2}))), {v}.Shuffle(a, index), {v}.Shuffle(b, index)); }}");
        w.Line("// Without the x86 permutes: both sources spread to every other lane from element first, then the lanes blended.");
        w.Line($"private static {t} Zip({t} even, {t} odd, int first) {{ var index = ({i} >> 1) + {v}.Create(first); return {v}.ConditionalSelect({v}.AsSingle({v}.Equals({i} & {v}<int>.One, {v}<int>.Zero)), {v}.Shuffle(even, index), {v}.Shuffle(odd, index)); }}");
    }

    private static void Kernels(SourceWriter w)
    {
        w.Line("/// <summary>Unchecked kernels on refs, shared by all layers; callers validate lengths first.</summary>");
        w.Open("private static class Kernels");
        w.Line("/// <summary>Initial accumulators for GEMMs without a bias.</summary>");
        w.Line($"internal static readonly float[] Zeros = new float[{WideRows}];");
        for (int mr = 1; mr <= TileRows; mr++)
            for (int nr = TileVectors; nr >= 1; nr--) { w.Line(); Tile(w, mr, nr); }
        foreach (int mr in new[] { WideRows, SixRows })
            for (int nr = TileVectors; nr >= 1; nr--) { w.Line(); Tile(w, mr, nr); }
        w.Line();
        GemmPanels(w);
        for (int nr = TileVectors; nr >= 1; nr--) { w.Line(); Rows(w, nr); }
        for (int mr = 1; mr <= TileRows; mr++)
        {
            w.Line();
            Dots(w, mr);
            for (int nj = 3; nj >= 1; nj -= 2) { w.Line(); Reduce(w, mr, nj); }
        }
        w.Line();
        DotsBatch(w);
        w.Line();
        RowHelpers(w);
        w.Close();
    }

    /// <summary>C = init + A·B (or C += A·B) for m rows and n columns, pixel tiles outer and row blocks inner: one B panel
    /// (kCount x 3 vectors) is then reused from L1 by every block of rows, instead of the whole of B streaming from L2 once per block.</summary>
    private static void GemmPanels(SourceWriter w)
    {
        w.Line("// C[r*crs + j] = (accumulate ? C[r*crs + j] : init[r*irs]) + sum over k < kCount of A[r*ars + k*aks] * B[k*bks + j], for r < m, j < n, n >= V.Count.");
        w.Line("// Pixel tiles outer, row blocks inner, so each B panel stays in L1 while every row block uses it.");
        w.Line("// The last vector overlaps its neighbour instead of running a scalar tail: recomputing a stored value is harmless,");
        w.Line("// but an accumulating GEMM would add twice, so its remainder takes narrower widths instead.");
        OpenKernel(w, $"internal static void Gemm{Generic}(ref float a, nint ars, nint aks, ref float b, nint bks, int kCount, ref float init, nint irs, ref float c, nint crs, int m, int n, bool accumulate) {Constraint}");
        w.Line("int j = 0;");
        w.Line($"for (; j + 3 * V.Count <= n; j += 3 * V.Count) Rows3{Generic}(ref a, ars, aks, ref {Unsafe}.Add(ref b, j), bks, kCount, ref init, irs, ref {Unsafe}.Add(ref c, j), crs, m, accumulate);");
        w.Line($"if (j + 2 * V.Count <= n) {{ Rows2{Generic}(ref a, ars, aks, ref {Unsafe}.Add(ref b, j), bks, kCount, ref init, irs, ref {Unsafe}.Add(ref c, j), crs, m, accumulate); j += 2 * V.Count; }}");
        w.Line($"if (j + V.Count <= n) {{ Rows1{Generic}(ref a, ars, aks, ref {Unsafe}.Add(ref b, j), bks, kCount, ref init, irs, ref {Unsafe}.Add(ref c, j), crs, m, accumulate); j += V.Count; }}");
        w.Line("if (j == n) return;");
        w.Line($"if (!accumulate) Rows1{Generic}(ref a, ars, aks, ref {Unsafe}.Add(ref b, n - V.Count), bks, kCount, ref init, irs, ref {Unsafe}.Add(ref c, n - V.Count), crs, m, false);");
        // The accumulating remainder goes to the next narrower width that fits, which handles its own remainder the same way.
        string rest = $"(ref a, ars, aks, ref {Unsafe}.Add(ref b, j), bks, kCount, ref init, irs, ref {Unsafe}.Add(ref c, j), crs, m, n - j, true);";
        foreach (var v in System.Linq.Enumerable.Skip(Widths, 1))
            w.Line($"else if (V.Count > {v.Lanes} && n - j >= {v.Lanes} && {v.Check}) Gemm<{v.Type}, {v.Ops}>{rest}");
        w.Line($"else Gemm<float, Vectors.Scalar>{rest}");
        w.Close();
    }

    private static void Rows(SourceWriter w, int nr)
    {
        OpenKernel(w, $"private static void Rows{nr}{Generic}(ref float a, nint ars, nint aks, ref float b, nint bks, int kCount, ref float init, nint irs, ref float c, nint crs, int m, bool accumulate) {Constraint}");
        w.Line("int r = 0;");
        w.Line("// V.Count is a JIT-time constant: narrower widths compile this loop away and never instantiate the wide tile.");
        string args = $"(ref {Unsafe}.Add(ref a, r * ars), ars, aks, ref b, bks, kCount, ref {Unsafe}.Add(ref init, r * irs), ref {Unsafe}.Add(ref c, r * crs), crs, accumulate);";
        w.Open("if (V.Count == 16)");
        w.Line($"for (; r + {WideRows} <= m; r += {WideRows}) Tile{WideRows}x{nr}{Generic}{args}");
        w.Line($"if (m - r >= {SixRows}) {{ Tile{SixRows}x{nr}{Generic}{args} r += {SixRows}; }}");
        w.Close();
        w.Line($"for (; r + {TileRows} <= m; r += {TileRows}) Tile{TileRows}x{nr}{Generic}{args}");
        for (int mr = TileRows - 1; mr >= 1; mr--)
            w.Line($"{(mr == TileRows - 1 ? "" : "else ")}if (m - r == {mr}) Tile{mr}x{nr}{Generic}{args}");
        w.Close();
    }

    private static void Tile(SourceWriter w, int mr, int nr)
    {
        // Wide tiles address rows 4..7 from a second pointer with the same three offsets, and compute the C row offsets
        // after the loop: x64 has 16 general registers, and 7 + 7 row offsets would spill inside the k loop.
        bool wide = mr > TileRows;
        OpenKernel(w, $"private static void Tile{mr}x{nr}{Generic}(ref float a, nint ars, nint aks, ref float b, nint bks, int kCount, ref float init, ref float c, nint crs, bool accumulate) {Constraint}");
        if (wide)
        {
            for (int m = 1; m < TileRows; m++) w.Line($"nint ar{m} = {m} * ars;");
            w.Line($"ref float aHi = ref {Unsafe}.Add(ref a, {TileRows} * ars);");
        }
        else for (int m = 1; m < mr; m++) w.Line($"nint ar{m} = {m} * ars, cr{m} = {m} * crs;");
        w.Line($"TV {string.Join(", ", Accumulators(mr, nr))};");
        w.Open("if (accumulate)");
        for (int m = 0; m < mr; m++)
            for (int j = 0; j < nr; j++)
                w.Line($"c{m}{j} = V.Load(ref c, {(m == 0 ? Col(j) : j == 0 ? $"{m} * crs" : $"{m} * crs + {Col(j)}")});");
        w.Close();
        w.Open("else");
        for (int m = 0; m < mr; m++)
        {
            w.Line($"c{m}0 = V.Broadcast({Unsafe}.Add(ref init, {m}));");
            for (int j = 1; j < nr; j++) w.Line($"c{m}{j} = c{m}0;");
        }
        w.Close();
        w.Open("for (int k = 0; k < kCount; k++)");
        for (int j = 0; j < nr; j++) w.Line($"TV b{j} = V.Load(ref b, {Col(j)});");
        for (int m = 0; m < mr; m++)
        {
            string row = wide && m >= TileRows ? "aHi" : "a";
            int offset = wide ? m % TileRows : m;
            w.Line($"TV a{m} = V.Broadcast({(offset == 0 ? row : $"{Unsafe}.Add(ref {row}, ar{offset})")});");
            for (int j = 0; j < nr; j++) w.Line($"c{m}{j} = V.MultiplyAdd(a{m}, b{j}, c{m}{j});");
        }
        w.Line($"a = ref {Unsafe}.Add(ref a, aks);");
        if (wide) w.Line($"aHi = ref {Unsafe}.Add(ref aHi, aks);");
        w.Line($"b = ref {Unsafe}.Add(ref b, bks);");
        w.Close();
        if (wide) for (int m = 1; m < mr; m++) w.Line($"nint cr{m} = {m} * crs;");
        for (int m = 0; m < mr; m++)
            for (int j = 0; j < nr; j++)
                w.Line($"V.Store(c{m}{j}, ref c, {(m == 0 ? Col(j) : j == 0 ? $"cr{m}" : $"cr{m} + {Col(j)}")});");
        w.Close();
    }

    private static System.Collections.Generic.IEnumerable<string> Accumulators(int mr, int nr)
    {
        for (int m = 0; m < mr; m++)
            for (int j = 0; j < nr; j++) yield return $"c{m}{j}";
    }

    private static string Col(int j) => j == 0 ? "0" : j == 1 ? "V.Count" : $"{j} * V.Count";

    /// <summary>C += X·Yᵀ: dot products of <paramref name="mr"/> rows of X with each of jCount rows of Y, in tiles of 3 then 1.</summary>
    private static void Dots(SourceWriter w, int mr)
    {
        w.Line($"// C[m*crs + j] += sum over p < n of X[m*xrs + p] * Y[j*yrs + p], for m < {mr}, j < jCount, n >= V.Count.");
        OpenKernel(w, $"internal static void Dots{mr}{Generic}(ref float x, nint xrs, ref float y, nint yrs, int jCount, int n, ref float c, nint crs) {Constraint}");
        w.Line("int j = 0;");
        w.Line($"for (; j + 3 <= jCount; j += 3) Reduce{mr}x3{Generic}(ref x, xrs, ref {Unsafe}.Add(ref y, j * yrs), yrs, n, ref {Unsafe}.Add(ref c, j), crs);");
        w.Line($"for (; j < jCount; j++) Reduce{mr}x1{Generic}(ref x, xrs, ref {Unsafe}.Add(ref y, j * yrs), yrs, n, ref {Unsafe}.Add(ref c, j), crs);");
        w.Close();
    }

    /// <summary>C += X·Yᵀ for many rows of X (samples) against many rows of Y (weights): blocks of 3 Y rows outer, groups of
    /// <see cref="TileRows"/> X rows inner, so each Y block is read from memory once and then from L1 by every group.</summary>
    private static void DotsBatch(SourceWriter w)
    {
        w.Line("// C[s*crs + j] += sum over p < n of X[s*xrs + p] * Y[j*yrs + p], for s < count, j < jCount, n >= V.Count.");
        OpenKernel(w, $"internal static void DotsBatch{Generic}(ref float x, nint xrs, int count, ref float y, nint yrs, int jCount, int n, ref float c, nint crs) {Constraint}");
        w.Line("int j = 0;");
        foreach (var nj in new[] { 3, 1 })
        {
            w.Open($"for (; j + {nj} <= jCount; j += {nj})");
            w.Line($"ref float yj = ref {Unsafe}.Add(ref y, j * yrs);");
            w.Line($"ref float cj = ref {Unsafe}.Add(ref c, j);");
            w.Line("int s = 0;");
            w.Line($"for (; s + {TileRows} <= count; s += {TileRows}) Reduce{TileRows}x{nj}{Generic}(ref {Unsafe}.Add(ref x, s * xrs), xrs, ref yj, yrs, n, ref {Unsafe}.Add(ref cj, s * crs), crs);");
            for (int mr = TileRows - 1; mr >= 1; mr--)
                w.Line($"{(mr == TileRows - 1 ? "" : "else ")}if (count - s == {mr}) Reduce{mr}x{nj}{Generic}(ref {Unsafe}.Add(ref x, s * xrs), xrs, ref yj, yrs, n, ref {Unsafe}.Add(ref cj, s * crs), crs);");
            w.Close();
        }
        w.Close();
    }

    private static void Reduce(SourceWriter w, int mr, int nj)
    {
        w.Line("// Accumulates one vector of partial sums per (m, j); the last vector overlaps and is masked to the lanes not yet counted.");
        OpenKernel(w, $"private static void Reduce{mr}x{nj}{Generic}(ref float x, nint xrs, ref float y, nint yrs, int n, ref float c, nint crs) {Constraint}");
        for (int m = 1; m < mr; m++) w.Line($"nint xr{m} = {m} * xrs, cr{m} = {m} * crs;");
        for (int j = 1; j < nj; j++) w.Line($"nint yr{j} = {j} * yrs;");
        for (int m = 0; m < mr; m++)
            for (int j = 0; j < nj; j++) w.Line($"TV s{m}{j} = default;");
        w.Line("nint p = 0;");
        w.Open("for (; p <= n - V.Count; p += V.Count)");
        ReduceStep(w, mr, nj, masked: false);
        w.Close();
        w.Open("if (p < n)");
        w.Line("int keep = (int)(n - p);");
        w.Line("p = n - V.Count;");
        ReduceStep(w, mr, nj, masked: true);
        w.Close();
        for (int m = 0; m < mr; m++)
            for (int j = 0; j < nj; j++)
                w.Line($"{Unsafe}.Add(ref c, {(m == 0 ? "" : $"cr{m} + ")}{j}) += V.Sum(s{m}{j});");
        w.Close();
    }

    private static void ReduceStep(SourceWriter w, int mr, int nj, bool masked)
    {
        string Wrap(string load) => masked ? $"V.KeepLast({load}, keep)" : load;
        for (int m = 0; m < mr; m++) w.Line($"TV x{m} = {Wrap($"V.Load(ref x, {(m == 0 ? "p" : $"xr{m} + p")})")};");
        for (int j = 0; j < nj; j++) w.Line($"TV y{j} = {Wrap($"V.Load(ref y, {(j == 0 ? "p" : $"yr{j} + p")})")};");
        for (int m = 0; m < mr; m++)
            for (int j = 0; j < nj; j++) w.Line($"s{m}{j} = V.MultiplyAdd(x{m}, y{j}, s{m}{j});");
    }

    private static void RowHelpers(SourceWriter w)
    {
        w.Line("// dst[i] = src[i] for i < n. An overlapping last vector, as a copy is idempotent; a row shorter than V.Count (a conv output");
        w.Line("// row of 10 under Vector512) takes two overlapping vectors of the widest accelerated width that fits, not scalars.");
        w.Line("// Inlined so that for a constant n (unpadded conv rows) the branches fold and no call is made per row.");
        w.Line(Inline);
        w.Open($"internal static void Copy{Generic}(ref float src, ref float dst, int n) {Constraint}");
        w.Open("if (n >= V.Count)");
        w.Line("nint i = 0;");
        w.Line("for (; i <= n - V.Count; i += V.Count) V.Store(V.Load(ref src, i), ref dst, i);");
        w.Line("if (i < n) V.Store(V.Load(ref src, n - V.Count), ref dst, n - V.Count);");
        w.Close();
        // Rows shorter than V.Count: narrower widths only, never the widest (V.Count is at most that).
        foreach (var (lanes, check, _, ops) in System.Linq.Enumerable.Skip(Widths, 1))
            w.Line($"else if (V.Count > {lanes} && n >= {lanes} && {check}) {{ {ops}.Store({ops}.Load(ref src, 0), ref dst, 0); {ops}.Store({ops}.Load(ref src, n - {lanes}), ref dst, n - {lanes}); }}");
        w.Line($"else for (nint i = 0; i < n; i++) {Unsafe}.Add(ref dst, i) = {Unsafe}.Add(ref src, i);");
        w.Close();
        w.Line();
        w.Line("// dst[i] = 0 for i < n; Span.Clear is vectorised, a loop of scalar stores is not.");
        w.Line($"internal static void Zero(ref float dst, int n) => {Marshal}.CreateSpan(ref dst, n).Clear();");
        w.Line();
        w.Line("// dst[i] += src[i] for i < n. The tail after the V-wide vectors takes one vector of each narrower accelerated width that");
        w.Line("// fits, then scalars (10 = 8 + 2 under Vector512). Not an overlapping masked last vector: it would reload lanes just stored");
        w.Line("// by a narrower store, which store forwarding cannot serve (4x slower in conv col2im). Inlined like Copy, for conv rows.");
        w.Line(Inline);
        w.Open($"internal static void Add{Generic}(ref float src, ref float dst, int n) {Constraint}");
        w.Line("nint i = 0;");
        w.Line("for (; i <= n - V.Count; i += V.Count) V.Store(V.Add(V.Load(ref src, i), V.Load(ref dst, i)), ref dst, i);");
        foreach (var (lanes, check, _, ops) in System.Linq.Enumerable.Skip(Widths, 1))
            w.Line($"if (V.Count > {lanes} && i <= n - {lanes} && {check}) {{ {ops}.Store({ops}.Add({ops}.Load(ref src, i), {ops}.Load(ref dst, i)), ref dst, i); i += {lanes}; }}");
        w.Line($"for (; i < n; i++) {Unsafe}.Add(ref dst, i) += {Unsafe}.Add(ref src, i);");
        w.Close();
        w.Line();
        w.Line("// The sum of x[0..n), n >= V.Count, two accumulators.");
        OpenKernel(w, $"internal static float Sum{Generic}(ref float x, int n) {Constraint}");
        w.Line("TV s0 = default, s1 = default;");
        w.Line("nint i = 0;");
        w.Line("for (; i <= n - 2 * V.Count; i += 2 * V.Count) { s0 = V.Add(s0, V.Load(ref x, i)); s1 = V.Add(s1, V.Load(ref x, i + V.Count)); }");
        w.Line("for (; i <= n - V.Count; i += V.Count) s0 = V.Add(s0, V.Load(ref x, i));");
        w.Line("if (i < n) s1 = V.Add(s1, V.KeepLast(V.Load(ref x, n - V.Count), (int)(n - i)));");
        w.Line("return V.Sum(V.Add(s0, s1));");
        w.Close();
        w.Line();
        w.Line("// y = relu(x) over n >= V.Count values; the overlapping last vector rewrites the same values.");
        OpenKernel(w, $"internal static void Relu{Generic}(ref float x, ref float y, int n) {Constraint}");
        w.Line("nint i = 0;");
        w.Line("for (; i <= n - V.Count; i += V.Count) V.Store(V.Relu(V.Load(ref x, i)), ref y, i);");
        w.Line("if (i < n) V.Store(V.Relu(V.Load(ref x, n - V.Count)), ref y, n - V.Count);");
        w.Close();
        w.Line();
        w.Line("// c = a + b over n >= V.Count values (c overlaps neither); the overlapping last vector rewrites the same values.");
        OpenKernel(w, $"internal static void Sum2{Generic}(ref float a, ref float b, ref float c, int n) {Constraint}");
        w.Line("nint i = 0;");
        w.Line("for (; i <= n - V.Count; i += V.Count) V.Store(V.Add(V.Load(ref a, i), V.Load(ref b, i)), ref c, i);");
        w.Line("if (i < n) V.Store(V.Add(V.Load(ref a, n - V.Count), V.Load(ref b, n - V.Count)), ref c, n - V.Count);");
        w.Close();
        w.Line();
        w.Line("// y = (x - shift) * scale + bias over n >= V.Count values (y does not overlap x): batch norm's per-channel pass.");
        OpenKernel(w, $"internal static void Affine{Generic}(ref float x, ref float y, int n, float shift, float scale, float bias) {Constraint}");
        w.Line("TV minus = V.Broadcast(-shift), s = V.Broadcast(scale), b = V.Broadcast(bias);");
        w.Line("nint i = 0;");
        w.Line("for (; i <= n - V.Count; i += V.Count) V.Store(V.MultiplyAdd(V.Add(V.Load(ref x, i), minus), s, b), ref y, i);");
        w.Line("if (i < n) V.Store(V.MultiplyAdd(V.Add(V.Load(ref x, n - V.Count), minus), s, b), ref y, n - V.Count);");
        w.Close();
        w.Line();
        w.Line("// The sum of (x[i] - m)^2 over n >= V.Count values: batch norm's squared deviations from a channel's mean.");
        OpenKernel(w, $"internal static float CenteredSquares{Generic}(ref float x, int n, float m) {Constraint}");
        w.Line("TV s = default, minus = V.Broadcast(-m);");
        w.Line("nint i = 0;");
        w.Line("for (; i <= n - V.Count; i += V.Count) { TV e = V.Add(V.Load(ref x, i), minus); s = V.MultiplyAdd(e, e, s); }");
        w.Line("if (i < n) { TV e = V.KeepLast(V.Add(V.Load(ref x, n - V.Count), minus), (int)(n - i)); s = V.MultiplyAdd(e, e, s); }");
        w.Line("return V.Sum(s);");
        w.Close();
        w.Line();
        w.Line("// The sums of dy[i] and of dy[i] * (x[i] - m) over n >= V.Count values: batch norm's gradient sums for one channel.");
        OpenKernel(w, $"internal static void CenteredSums{Generic}(ref float dy, ref float x, int n, float m, out float sumDy, out float sumDyx) {Constraint}");
        w.Line("TV s0 = default, s1 = default, minus = V.Broadcast(-m);");
        w.Line("nint i = 0;");
        w.Line("for (; i <= n - V.Count; i += V.Count) { TV g = V.Load(ref dy, i); s0 = V.Add(s0, g); s1 = V.MultiplyAdd(g, V.Add(V.Load(ref x, i), minus), s1); }");
        w.Line("if (i < n) { TV g = V.KeepLast(V.Load(ref dy, n - V.Count), (int)(n - i)); s0 = V.Add(s0, g); s1 = V.MultiplyAdd(g, V.Add(V.Load(ref x, n - V.Count), minus), s1); }");
        w.Line("sumDy = V.Sum(s0);");
        w.Line("sumDyx = V.Sum(s1);");
        w.Close();
        w.Line();
        w.Line("// dx = k * dy + (c1 * (x - m) + c0) over n >= V.Count values (dx overlaps neither): batch norm's backward for one channel.");
        OpenKernel(w, $"internal static void CenteredAffine{Generic}(ref float dy, ref float x, ref float dx, int n, float k, float m, float c0, float c1) {Constraint}");
        w.Line("TV kv = V.Broadcast(k), minus = V.Broadcast(-m), c0v = V.Broadcast(c0), c1v = V.Broadcast(c1);");
        w.Line("nint i = 0;");
        w.Line("for (; i <= n - V.Count; i += V.Count) V.Store(V.MultiplyAdd(kv, V.Load(ref dy, i), V.MultiplyAdd(c1v, V.Add(V.Load(ref x, i), minus), c0v)), ref dx, i);");
        w.Line("if (i < n) V.Store(V.MultiplyAdd(kv, V.Load(ref dy, n - V.Count), V.MultiplyAdd(c1v, V.Add(V.Load(ref x, n - V.Count), minus), c0v)), ref dx, n - V.Count);");
        w.Close();
        w.Line();
        w.Line("// dx = y > 0 ? dy : 0 over n >= V.Count values.");
        OpenKernel(w, $"internal static void ReluBackward{Generic}(ref float y, ref float dy, ref float dx, int n) {Constraint}");
        w.Line("nint i = 0;");
        w.Line("for (; i <= n - V.Count; i += V.Count) V.Store(V.ReluBackward(V.Load(ref y, i), V.Load(ref dy, i)), ref dx, i);");
        w.Line("if (i < n) V.Store(V.ReluBackward(V.Load(ref y, n - V.Count), V.Load(ref dy, n - V.Count)), ref dx, n - V.Count);");
        w.Close();
    }
}
