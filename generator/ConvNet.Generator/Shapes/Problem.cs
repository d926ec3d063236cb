namespace ConvNet.Generator.Shapes;

/// <summary>Something wrong with a declaration, before it has a source location.
/// <paramref name="Layer"/> is the index of the layer attribute (-1: the [Input] attribute, -2: the class itself);
/// <paramref name="Argument"/> names the argument to point at (null: the whole attribute).</summary>
internal sealed record Problem(string Id, int Layer, string? Argument, string Message);

internal static class ProblemIds
{
    public const string NotWhole = "CNN001";
    public const string WindowTooLarge = "CNN002";
    public const string InvalidArgument = "CNN003";
    public const string NotPartial = "CNN004";
    public const string InputPlacement = "CNN005";
    public const string UnsupportedType = "CNN006";
    public const string SplitDeclarations = "CNN007";
    public const string TooLarge = "CNN008";
    public const string PadTooLarge = "CNN009";
    public const string NoLayers = "CNN010";
    public const string BadName = "CNN011";
    public const string TooManyLayers = "CNN012";
}
