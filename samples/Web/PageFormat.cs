using System;
using System.Globalization;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Web;

/// <summary>What both tabs share: drawing a <see cref="Picture"/> into a canvas, and how numbers are written.</summary>
public static class PageFormat
{
    /// <summary>Draws <paramref name="picture"/> into <paramref name="canvas"/> at its own size (CSS scales it).</summary>
    public static ValueTask ShowAsync(this IJSRuntime js, ElementReference canvas, Picture picture) =>
        js.InvokeVoidAsync("lenetPad.show", canvas, picture.Rgba, picture.Width, picture.Height);

    /// <summary>A probability as a percentage with one decimal, e.g. <c>97.1%</c>.</summary>
    public static string Percent(float p) => (100 * p).ToString("F1", CultureInfo.InvariantCulture) + "%";

    /// <summary>A duration in milliseconds with two decimals.</summary>
    public static string Milliseconds(TimeSpan t) => t.TotalMilliseconds.ToString("F2", CultureInfo.InvariantCulture);
}
