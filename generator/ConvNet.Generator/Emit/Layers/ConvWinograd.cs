using ConvNet.Generator.Model;
using static ConvNet.Generator.Emit.KernelHelpers;

namespace ConvNet.Generator.Emit.Layers;

/// <summary>Winograd F(2x2, 3x3) (Lavin and Gray 2016) for 3x3 stride-1 conv layers: the forward pass and the backward's
/// input gradient. Each 2x2 block of output pixels, a tile, comes from a 4x4 input patch d as Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A,
/// so the sum over channels becomes 16 GEMMs m[ξ][F, T] = u[ξ][F, C] · v[ξ][C, T], one per position ξ of the 4x4
/// transformed tiles: 16 multiply-adds per channel and tile where direct convolution spends 36, 2.25 times fewer.
/// <para>Why F(2x2, 3x3) and not F(4x4, 3x3), which saves 4x: its transforms only add, subtract and halve, so a sum of
/// small integers stays exact (the exact-integer tests hold bit for bit) and random reals meet the accuracy tests'
/// tolerance (1e-5 + 1e-4·|ref|) like the direct sum; F(4x4, 3x3) multiplies by up to 8 and divides by 24 in its
/// transforms, so neither would hold for it as surely.</para>
/// <para>The input gradient is the same computation on dOutput: a stride-1 correlation with pad 2 - P and the filters
/// rotated by 180° and transposed ([C, F]). Rotating g turns G g Gᵀ into the same matrix with rows and columns 0 and 3
/// swapped, so it reads the forward's transformed filters u, at swapped positions and transposed strides.</para>
/// <para>The transforms are emitted as straight-line code with their constant coefficients, vectorised over a tile row
/// (the tiles' columns tx, read as the even and odd floats of the input rows); the GEMMs are the shared ones.</para></summary>
internal static class ConvWinograd
{
    /// <summary>Taken where it measured faster (one sample's whole forward call against the direct GEMM): rows of 7 or
    /// more (4 tiles, so the transforms vectorise), at least 16 tiles (one Vector512 of GEMM columns) and 8 channels (with
    /// 3, as in an RGB first layer, the transforms cost what the GEMM saves: 3x32x32 -> 32 went from 25 to 26 us). Odd
    /// sides (AlexNet's 13x13) compute a last half-outside tile and crop it. CIFAR 32x16x16 -> 64: 98 -> 58 us, 64x8x8 ->
    /// 128: 110 -> 52 us; ResNet-20's 16x32x32 -> 16: 61 -> 35 us; VGG-16's 128x56x56 -> 128: 9.6 -> 4.7 ms.</summary>
    public static bool Applies(LayerPlan l) =>
        ConvEmitter.Spec(l).Size == 3 && ConvEmitter.Spec(l).Stride == 1 && l.In.C >= 8 && l.Out.W >= 7 && Forward(l).Tiles >= 16 && Fits(l);

    /// <summary>The transformed filters with their weights' copy, and the scratch of both passes, counted in 64 bits: a
    /// layer too large for them to stay far below .NET's array limit (a 4096-channel 3x3 layer has 151 M weights and would
    /// need 268 M floats of transformed filters) runs the direct way, whose buffers the shape checks already bound.</summary>
    private static bool Fits(LayerPlan l)
    {
        const long Limit = 1L << 27;
        long f = l.Out.C, c = l.In.C, tiles = ((l.Out.H + 1) / 2) * ((l.Out.W + 1) / 2), inTiles = ((l.In.H + 1) / 2) * ((l.In.W + 1) / 2);
        long prepared = 16 * (f * c + PlanePad) + 9 * f * c;
        long scratch = 16 * (System.Math.Max(tiles, inTiles) * (f + c) + 2 * PlanePad) + (l.In.H + l.Out.H + 4) * (l.In.W + l.Out.W + 4) * 2;
        return prepared <= Limit && scratch <= Limit;
    }

    /// <summary>The input gradient needs pad 2 - P to be a pad (P of 3 or more pads only zeros) and one whole Vector512
    /// of tiles for the GEMM.</summary>
    public static bool AppliesBackward(LayerPlan l) => Applies(l) && ConvEmitter.Spec(l).Pad <= 2 && Backward(l).Tiles >= 16;

    /// <summary>Floats of the transformed filters u[16][F, C].</summary>
    public static int TransformedLength(LayerPlan l) => 16 * UPlane(l);

    /// <summary>Floats of scratch of the forward pass and, when <paramref name="backward"/>, the input gradient's.</summary>
    public static int Scratch(LayerPlan l, bool backward) =>
        System.Math.Max(Forward(l).Scratch, backward ? Backward(l).Scratch : 0);

    // The 16 planes of u, v and m (one per position ξ) are written or read together, one stream per plane: planes a
    // multiple of 4 KB apart would all fall in the same L1 sets and evict each other (u of 64x32 filters is 8 KB a plane,
    // and its transform ran 5x slower), so each plane is padded by one cache line.
    private const int PlanePad = 16;
    private static int UPlane(LayerPlan l) => (int)(l.Out.C * l.In.C) + PlanePad;

    /// <summary>One stride-1 3x3 correlation: <see cref="Channels"/> planes of Height x Width, zero-padded by Pad, to
    /// <see cref="Filters"/> planes of OutHeight x OutWidth. Methods take <see cref="Suffix"/> after their names.</summary>
    private sealed class Pass(string suffix, int channels, int height, int width, int pad, int filters, int outHeight, int outWidth)
    {
        public string Suffix => suffix;
        public int Channels => channels;
        public int Height => height;
        public int Width => width;
        public int Pad => pad;
        public int Filters => filters;
        public int OutHeight => outHeight;
        public int OutWidth => outWidth;
        public int TilesHigh => (outHeight + 1) / 2;
        public int TilesWide => (outWidth + 1) / 2;
        /// <summary>An odd side has a last tile half outside the result: the tiles are then written to a plane of whole
        /// tiles in scratch, and its rows copied out.</summary>
        public bool Cropped => outHeight % 2 == 1 || outWidth % 2 == 1;
        public int TiledWidth => 2 * TilesWide;
        public int Tiles => TilesHigh * TilesWide;
        // Rows 2ty .. 2ty + 3 of the padded input make tile row ty; the input sits at (Pad, Pad) in it.
        public int PaddedHeight => 2 * TilesHigh + 2;
        public int PaddedWidth => 2 * TilesWide + 2;
        public int VPlane => channels * Tiles + PlanePad;
        public int MPlane => filters * Tiles + PlanePad;
        public int Scratch => 16 * (VPlane + MPlane) + PaddedHeight * PaddedWidth + (Cropped ? 4 * Tiles : 0);
    }

    private static Pass Forward(LayerPlan l) =>
        new("", (int)l.In.C, (int)l.In.H, (int)l.In.W, ConvEmitter.Spec(l).Pad, (int)l.Out.C, (int)l.Out.H, (int)l.Out.W);

    private static Pass Backward(LayerPlan l) =>
        new("Backward", (int)l.Out.C, (int)l.Out.H, (int)l.Out.W, 2 - ConvEmitter.Spec(l).Pad, (int)l.In.C, (int)l.In.H, (int)l.In.W);

    /// <summary>The forward kernel (the layer's Forward, with the transformed filters u as an extra span), its transforms
    /// and the filter transform.</summary>
    public static void ForwardKernels(SourceWriter w, LayerPlan l)
    {
        var pass = Forward(l);
        long f = l.Out.C, c = l.In.C;
        w.Line($"// {l.Name} forward: input ({c},{l.In.H},{l.In.W}) -> output ({f},{l.Out.H},{l.Out.W}); weight [{f},{c},3,3], bias [{f}]; stride 1, pad {ConvEmitter.Spec(l).Pad}.");
        w.Line($"// Winograd F(2x2,3x3) over {pass.TilesHigh}x{pass.TilesWide} tiles of 2x2 output pixels: v[16][{c}, {pass.Tiles}] = Bᵀ d B of each tile's 4x4 input");
        w.Line($"// patch d, m[ξ][{f}, {pass.Tiles}] = u[ξ][{f}, {c}] · v[ξ][{c}, {pass.Tiles}] for the 16 positions ξ, output tile = Aᵀ m A + bias; u = G g Gᵀ (TransformWeights).");
        w.Line($"/// <summary>Floats of the transformed filters u[16][{f}, {c}], planes padded to {UPlane(l)}.</summary>");
        w.Line($"internal const int TransformedLength = {TransformedLength(l)};");
        w.Line();
        w.Open($"internal static void Forward({ReadOnlySpanType} p, {ReadOnlySpanType} u, {ReadOnlySpanType} input, {SpanType} output, {SpanType} scratch)");
        Dispatch(w, pass.Tiles, "ForwardCore", "p, u, input, output, scratch");
        w.Close();
        w.Line();
        OpenKernel(w, $"private static void ForwardCore{Generic}({ReadOnlySpanType} p, {ReadOnlySpanType} u, {ReadOnlySpanType} input, {SpanType} output, {SpanType} scratch) {Constraint}");
        w.Line($"if (p.Length < {l.BiasOffset + f} || u.Length != {TransformedLength(l)} || input.Length != {l.InLength} || output.Length != {l.OutLength} || scratch.Length < {pass.Scratch}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line($"ref float bias = ref {Unsafe}.Add(ref {Marshal}.GetReference(p), {l.BiasOffset});");
        RunPass(w, l, pass, $"{Marshal}.GetReference(input)", $"{Marshal}.GetReference(output)", "bias");
        w.Close();
        w.Line();
        Transforms(w, pass, bias: true);
        w.Line();
        WeightTransform(w, l);
    }

    /// <summary>The statements of a Backward core that write dInput (overwriting it) from dOut, when
    /// <see cref="AppliesBackward"/>; the core has <c>u</c>, <c>dOutput</c>, <c>dInput</c> and <c>scratch</c>.</summary>
    public static void BackwardInputGradient(SourceWriter w, LayerPlan l)
    {
        var pass = Backward(l);
        w.Line($"// dInput ({l.In.C},{l.In.H},{l.In.W}) = dOutput ({l.Out.C},{l.Out.H},{l.Out.W}) correlated with the filters rotated 180° and transposed, pad {pass.Pad}:");
        w.Line($"// the forward's Winograd with u[ξ'][{l.Out.C}, {l.In.C}] read transposed, ξ' = ξ with rows and columns 0 and 3 swapped.");
        RunPass(w, l, pass, $"{Marshal}.GetReference(dOutput)", $"{Marshal}.GetReference(dInput)", null);
    }

    /// <summary>The backward's transforms (see <see cref="BackwardInputGradient"/>).</summary>
    public static void BackwardKernels(SourceWriter w, LayerPlan l) => Transforms(w, Backward(l), bias: false);

    private static void RunPass(SourceWriter w, LayerPlan l, Pass pass, string source, string destination, string? bias)
    {
        int t = pass.Tiles;
        w.Line($"ref float v = ref {Marshal}.GetReference(scratch);");
        w.Line($"ref float m = ref {Unsafe}.Add(ref v, {16 * pass.VPlane});");
        w.Line($"ref float x = ref {Unsafe}.Add(ref m, {16 * pass.MPlane});");
        w.Line($"ref float src = ref {source};");
        w.Line("// The padding around the copied rows stays zero: only the rows of the input itself are written per channel.");
        w.Line($"{KernelsType}.Zero(ref x, {pass.PaddedHeight * pass.PaddedWidth});");
        w.Open($"for (int c = 0; c < {pass.Channels}; c++)");
        w.Line($"for (int y = 0; y < {pass.Height}; y++) {KernelsType}.Copy{Generic}(ref {Unsafe}.Add(ref src, (c * {pass.Height} + y) * {pass.Width}), ref {Unsafe}.Add(ref x, (y + {pass.Pad}) * {pass.PaddedWidth} + {pass.Pad}), {pass.Width});");
        Dispatch(w, pass.TilesWide, "InputTransform" + pass.Suffix, $"ref x, ref {Unsafe}.Add(ref v, c * {t})");
        w.Close();
        w.Line($"ref float weights = ref {Marshal}.GetReference(u);");
        w.Line($"ref float zeros = ref {Marshal}.GetArrayDataReference({KernelsType}.Zeros);");
        string gemm = $"{KernelsType}.Gemm{Generic}";
        string tail = $"{t}, {pass.Channels}, ref zeros, 0, ref {Unsafe}.Add(ref m, xi * {pass.MPlane}), {t}, {pass.Filters}, {t}, false);";
        if (bias != null)
            w.Line($"for (int xi = 0; xi < 16; xi++) {gemm}(ref {Unsafe}.Add(ref weights, xi * {UPlane(l)}), {l.In.C}, 1, ref {Unsafe}.Add(ref v, xi * {pass.VPlane}), {tail}");
        else
        {
            w.Open("for (int xi = 0; xi < 16; xi++)");
            w.Line("// Rows and columns 0 and 3 of the 4x4 position swapped: the filters' 180° rotation.");
            w.Line("int a = xi >> 2, b = xi & 3, rotated = ((a == 0 ? 3 : a == 3 ? 0 : a) << 2) | (b == 0 ? 3 : b == 3 ? 0 : b);");
            w.Line($"{gemm}(ref {Unsafe}.Add(ref weights, rotated * {UPlane(l)}), 1, {l.In.C}, ref {Unsafe}.Add(ref v, xi * {pass.VPlane}), {tail}");
            w.Close();
        }
        w.Line($"ref float o = ref {destination};");
        string biasValue = bias != null ? $"{Unsafe}.Add(ref {bias}, f)" : "0f";
        w.Open($"for (int f = 0; f < {pass.Filters}; f++)");
        if (pass.Cropped)
        {
            w.Line($"ref float tiled = ref {Unsafe}.Add(ref x, {pass.PaddedHeight * pass.PaddedWidth});");
            Dispatch(w, pass.TilesWide, "OutputTransform" + pass.Suffix, $"ref {Unsafe}.Add(ref m, f * {t}), {biasValue}, ref tiled");
            w.Line($"for (int y = 0; y < {pass.OutHeight}; y++) {KernelsType}.Copy{Generic}(ref {Unsafe}.Add(ref tiled, y * {pass.TiledWidth}), ref {Unsafe}.Add(ref o, (f * {pass.OutHeight} + y) * {pass.OutWidth}), {pass.OutWidth});");
        }
        else Dispatch(w, pass.TilesWide, "OutputTransform" + pass.Suffix, $"ref {Unsafe}.Add(ref m, f * {t}), {biasValue}, ref {Unsafe}.Add(ref o, f * {pass.OutHeight * pass.OutWidth})");
        w.Close();
    }

    private static void Transforms(SourceWriter w, Pass pass, bool bias)
    {
        InputTransform(w, pass);
        w.Line();
        OutputTransform(w, pass, bias);
    }

    /// <summary>Opens the loops over tile rows ty and, V.Count tiles at a time, tile columns tx (the last vector overlaps).</summary>
    private static void OpenTiles(SourceWriter w, Pass pass)
    {
        w.Open($"for (int ty = 0; ty < {pass.TilesHigh}; ty++)");
        w.Open($"for (int tx0 = 0; tx0 < {pass.TilesWide}; tx0 += V.Count)");
        w.Line($"int tx = tx0 + V.Count <= {pass.TilesWide} ? tx0 : {pass.TilesWide} - V.Count;");
    }

    // The input transform Bᵀ d B, Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], applied to rows then columns.
    private static void InputTransform(SourceWriter w, Pass pass)
    {
        int tw = pass.TilesWide, pw = pass.PaddedWidth, vp = pass.VPlane;
        w.Line($"// v[ξ][c, ty*{tw} + tx] for one channel, from its zero-padded copy x ({pass.PaddedHeight},{pw}): the tile (ty, tx) reads x[2ty + i, 2tx + j], i, j < 4.");
        w.Line("// Columns j are the even and odd floats from 2tx and 2tx + 2, so a vector covers V.Count tiles of a row; the last vector overlaps.");
        OpenKernel(w, $"private static void InputTransform{pass.Suffix}{Generic}(ref float x, ref float v) {Constraint}");
        OpenTiles(w, pass);
        for (int i = 0; i < 4; i++)
        {
            w.Line($"ref float r{i} = ref {Unsafe}.Add(ref x, (2 * ty + {i}) * {pw} + 2 * tx);");
            w.Line($"TV d{i}0 = V.LoadEvens(ref r{i}, 0), d{i}1 = V.LoadOdds(ref r{i}, 0), d{i}2 = V.LoadEvens(ref r{i}, 2), d{i}3 = V.LoadOdds(ref r{i}, 2);");
            w.Line($"TV w{i}0 = V.Subtract(d{i}0, d{i}2), w{i}1 = V.Add(d{i}1, d{i}2), w{i}2 = V.Subtract(d{i}2, d{i}1), w{i}3 = V.Subtract(d{i}1, d{i}3);");
        }
        w.Line($"ref float at = ref {Unsafe}.Add(ref v, ty * {tw} + tx);");
        for (int b = 0; b < 4; b++)
        {
            w.Line($"V.Store(V.Subtract(w0{b}, w2{b}), ref at, {b * vp});");
            w.Line($"V.Store(V.Add(w1{b}, w2{b}), ref at, {(4 + b) * vp});");
            w.Line($"V.Store(V.Subtract(w2{b}, w1{b}), ref at, {(8 + b) * vp});");
            w.Line($"V.Store(V.Subtract(w1{b}, w3{b}), ref at, {(12 + b) * vp});");
        }
        w.Close().Close().Close();
    }

    // The output transform Aᵀ m A (+ bias), Aᵀ = [1 1 1 0; 0 1 -1 -1], applied to columns then rows.
    private static void OutputTransform(SourceWriter w, Pass pass, bool bias)
    {
        int th = pass.TilesHigh, tw = pass.TilesWide, mp = pass.MPlane, ow = pass.TiledWidth;
        w.Line($"// One plane of the result ({2 * th},{ow}{(pass.Cropped ? $", of which ({pass.OutHeight},{pass.OutWidth}) are kept" : "")}) from m[ξ][f, ty*{tw} + tx]: the tile (ty, tx) is [2ty + i, 2tx + j], i, j < 2{(bias ? ", plus the bias" : "")}.");
        OpenKernel(w, $"private static void OutputTransform{pass.Suffix}{Generic}(ref float m, float bias, ref float o) {Constraint}");
        if (bias) w.Line("TV b = V.Broadcast(bias);");
        OpenTiles(w, pass);
        w.Line($"ref float at = ref {Unsafe}.Add(ref m, ty * {tw} + tx);");
        for (int b = 0; b < 4; b++)
        {
            w.Line($"TV m0{b} = V.Load(ref at, {b * mp}), m1{b} = V.Load(ref at, {(4 + b) * mp}), m2{b} = V.Load(ref at, {(8 + b) * mp}), m3{b} = V.Load(ref at, {(12 + b) * mp});");
            w.Line($"TV s{b} = V.Add(V.Add(m0{b}, m1{b}), m2{b}), e{b} = V.Subtract(V.Subtract(m1{b}, m2{b}), m3{b});");
        }
        string Biased(string value) => bias ? $"V.Add({value}, b)" : value;
        w.Line($"ref float row = ref {Unsafe}.Add(ref o, 2 * ty * {ow} + 2 * tx);");
        w.Line($"V.StoreInterleaved({Biased("V.Add(V.Add(s0, s1), s2)")}, {Biased("V.Subtract(V.Subtract(s1, s2), s3)")}, ref row, 0);");
        w.Line($"V.StoreInterleaved({Biased("V.Add(V.Add(e0, e1), e2)")}, {Biased("V.Subtract(V.Subtract(e1, e2), e3)")}, ref row, {ow});");
        w.Close().Close().Close();
    }

    // The filter transform G g Gᵀ, G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1], applied to columns then rows. Scalar: a 3x3 filter is
    // 9 floats, so vectors over filters would need a stride-9 gather, and a version that gathered through a small
    // transposed block measured no faster (its vector loads wait for the scalar stores they read).
    private static void WeightTransform(SourceWriter w, LayerPlan l)
    {
        long f = l.Out.C, c = l.In.C;
        int fc = (int)(f * c), up = UPlane(l);
        w.Line($"// u[ξ][{f}, {c}] = (G g Gᵀ)[ξ / 4, ξ % 4] for each filter f and channel c, g = weight[f, c] (3x3): the forward GEMMs' A matrices.");
        OpenKernel(w, $"internal static void TransformWeights({ReadOnlySpanType} p, {SpanType} u)");
        w.Line($"if (p.Length < {l.BiasOffset + f} || u.Length != {TransformedLength(l)}) throw new global::System.ArgumentException(\"{l.Name}: span lengths do not match the layer.\");");
        w.Line($"ref float g = ref {Unsafe}.Add(ref {Marshal}.GetReference(p), {l.ParamOffset});");
        w.Line($"ref float dst = ref {Marshal}.GetReference(u);");
        w.Open($"for (int q = 0; q < {fc}; q++, g = ref {Unsafe}.Add(ref g, 9))");
        for (int j = 0; j < 3; j++)
        {
            w.Line($"float g0{j} = {Unsafe}.Add(ref g, {j}), g1{j} = {Unsafe}.Add(ref g, {3 + j}), g2{j} = {Unsafe}.Add(ref g, {6 + j});");
            w.Line($"float t0{j} = g0{j}, t1{j} = 0.5f * (g0{j} + g1{j} + g2{j}), t2{j} = 0.5f * (g0{j} - g1{j} + g2{j}), t3{j} = g2{j};");
        }
        for (int a = 0; a < 4; a++)
        {
            w.Line($"{Unsafe}.Add(ref dst, {(a * 4 + 0) * up} + q) = t{a}0;");
            w.Line($"{Unsafe}.Add(ref dst, {(a * 4 + 1) * up} + q) = 0.5f * (t{a}0 + t{a}1 + t{a}2);");
            w.Line($"{Unsafe}.Add(ref dst, {(a * 4 + 2) * up} + q) = 0.5f * (t{a}0 - t{a}1 + t{a}2);");
            w.Line($"{Unsafe}.Add(ref dst, {(a * 4 + 3) * up} + q) = t{a}2;");
        }
        w.Close();
        w.Close();
    }
}
