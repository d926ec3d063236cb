using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using ConvNet;
using LeNet;
using Microsoft.Playwright;
using Xunit;
using Xunit.Abstractions;

namespace Web.Tests;

/// <summary>The LeNet-5 page in headless Chromium, driven with mouse events as a person would draw.</summary>
public sealed class PageTests(WebApp app, ITestOutputHelper output) : IClassFixture<WebApp>
{
    // The browser runs other kernels (Vector128 or scalar, in the WebAssembly interpreter) than the desktop's widest
    // vectors, so sums are added in another order.
    private const float Tolerance = 1e-5f;

    private static readonly string Weights = Path.Combine(WebApp.Root, "samples", "Web", "wwwroot", "lenet.safetensors");

    [BrowserFact]
    public async Task A_drawn_one_and_zero_are_read_as_one_and_zero_with_their_maps()
    {
        var page = await app.OpenAsync();

        // A "1": one slightly slanted vertical stroke.
        await DrawAsync(page, [(150, 40), (146, 90), (142, 140), (138, 190), (134, 240)]);
        await AssertReadAsAsync(page, 1);

        await page.ClickAsync("#clear");
        // A "0": an ellipse, closed.
        await DrawAsync(page, Enumerable.Range(0, 41).Select(i => i * 2 * Math.PI / 40)
            .Select(t => (140 + 65 * Math.Sin(t), 140 - 100 * Math.Cos(t))).ToArray());
        await AssertReadAsAsync(page, 0);

        string screenshot = Path.Combine(AppContext.BaseDirectory, "web-page.png");
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        // The picture in samples/Web/README.md and docs/deployment.md is this one; CONVNET_UPDATE_SCREENSHOT=1 writes it there.
        if (Environment.GetEnvironmentVariable("CONVNET_UPDATE_SCREENSHOT") == "1")
            File.Copy(screenshot, Path.Combine(WebApp.Root, "samples", "Web", "screenshot.png"), overwrite: true);
    }

    [BrowserFact]
    public async Task Clear_empties_the_pad_the_answer_and_the_maps()
    {
        var page = await app.OpenAsync();
        await DrawAsync(page, [(100, 60), (180, 60), (120, 240)]);
        Assert.NotEqual("", await page.TextContentAsync("#prediction"));
        Assert.True(await InkedPixelsAsync(page, "conv1-maps") > 0);

        await page.ClickAsync("#clear");
        Assert.Equal(0, await page.EvaluateAsync<int>(
            "() => { const c = document.getElementById('pad'); return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((v, i) => i % 4 == 3 && v > 0).length; }"));
        Assert.Equal("", (await page.TextContentAsync("#prediction"))!.Trim());
        foreach (string id in new[] { "framed", "conv1-maps", "conv2-maps" })
            Assert.Equal(0, await InkedPixelsAsync(page, id));
        Assert.True(await InkedPixelsAsync(page, "conv1-filters") > 0, "the filters do not depend on the drawing");
        float[] probabilities = await ProbabilitiesAsync(page);
        Assert.All(probabilities, p => Assert.Equal(0f, p));
    }

    [BrowserFact]
    public async Task The_page_computes_the_desktop_Forward_of_test_digits()
    {
        var page = await app.OpenAsync();
        var desktop = new LeNet5();
        SafeTensors.Load(desktop, Weights);
        var images = Idx.ReadImages(Path.Combine(WebApp.Root, "samples", "Common", "data", "mnist-10k-images-idx3-ubyte.gz"));
        var input = new float[LeNet5.InputLength];
        var expected = new float[LeNet5.OutputLength];
        double worst = 0;
        // Test digits (the sample's split starts at 8,000), every hundredth.
        for (int digit = 8_000; digit < 10_000; digit += 100)
        {
            Idx.ToFloats(images.Data.AsSpan(digit * LeNet5.InputLength, LeNet5.InputLength), input, Idx.MnistMean, Idx.MnistStd);
            desktop.Forward(input, expected);
            float[] got = await page.EvaluateAsync<float[]>("input => lenetPad.logits(input)",
                Array.ConvertAll(input, v => (double)v)); // Playwright sends a float[] as objects; each float is a double exactly
            AssertClose(expected, got, $"test digit {digit}");
            worst = Math.Max(worst, expected.Zip(got, (e, g) => Math.Abs(e - g)).Max());
        }
        output.WriteLine($"largest |browser - desktop| over 20 digits' logits: {worst:E2}");
    }

    [BrowserFact]
    public async Task The_mistakes_tab_lists_the_desktop_mistakes_and_draws_saliency()
    {
        var page = await app.OpenAsync();
        // Keyboard only: focus the selected tab, then the arrow key selects the next one.
        await page.FocusAsync("#tab-draw");
        await page.Keyboard.PressAsync("ArrowRight");
        Assert.Equal("true", await page.GetAttributeAsync("#tab-mistakes", "aria-selected"));
        // 2,000 forward passes in the WebAssembly interpreter: 20-40 s on a busy 2-core machine.
        await page.WaitForSelectorAsync("#mistakes-summary", new() { Timeout = 240_000 });

        var desktop = new LeNet5();
        SafeTensors.Load(desktop, Weights);
        string data = Path.Combine(WebApp.Root, "samples", "Common", "data");
        var inputs = Idx.ToFloats(Idx.ReadImages(Path.Combine(data, "mnist-10k-images-idx3-ubyte.gz")), Idx.MnistMean, Idx.MnistStd);
        int[] labels = Idx.ToLabels(Idx.ReadLabels(Path.Combine(data, "mnist-10k-labels-idx1-ubyte.gz")));
        var scores = new float[LeNet5.OutputLength];
        int mistakes = 0;
        for (int digit = 8_000; digit < 10_000; digit++)
        {
            desktop.Forward(inputs.AsSpan(digit * LeNet5.InputLength, LeNet5.InputLength), scores);
            if (Inference.ArgMax(scores) != labels[digit]) mistakes++;
        }
        Assert.Equal(mistakes.ToString(CultureInfo.InvariantCulture), await page.GetAttributeAsync("#mistakes-summary", "data-count"));
        Assert.Equal(mistakes, await page.Locator(".mistakes button").CountAsync());
        output.WriteLine($"{mistakes} mistakes; mean forward pass in the browser: {await page.GetAttributeAsync("#mean-forward", "data-milliseconds")} ms");

        var first = page.Locator(".mistakes button").First;
        await first.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("true", await first.GetAttributeAsync("aria-pressed"));
        await page.WaitForFunctionAsync("() => document.getElementById('saliency-answer').width > 0");
        foreach (string id in new[] { "chosen", "saliency-label", "saliency-answer" })
            Assert.True(await InkedPixelsAsync(page, id) > 0, $"#{id} is blank");
    }

    // Strokes in the pad's own pixels (280x280), one mouse stroke through the points; then waits until the page shows
    // the reading of the pad's last change.
    private static async Task DrawAsync(IPage page, (double X, double Y)[] points)
    {
        var box = (await page.Locator("#pad").BoundingBoxAsync())!;
        double scale = box.Width / 280;
        await page.Mouse.MoveAsync((float)(box.X + points[0].X * scale), (float)(box.Y + points[0].Y * scale));
        await page.Mouse.DownAsync();
        foreach (var (x, y) in points.Skip(1))
            await page.Mouse.MoveAsync((float)(box.X + x * scale), (float)(box.Y + y * scale), new() { Steps = 4 });
        await page.Mouse.UpAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('result').dataset.version == String(lenetPad.version())");
    }

    // The top prediction, probabilities that sum to 1, logits equal to the desktop Forward of the framed digit the page
    // shows, and activation maps with something drawn in them.
    private async Task AssertReadAsAsync(IPage page, int digit)
    {
        Assert.Equal(digit.ToString(CultureInfo.InvariantCulture), (await page.TextContentAsync("#prediction"))!.Trim());
        float[] probabilities = await ProbabilitiesAsync(page);
        Assert.Equal(10, probabilities.Length);
        Assert.InRange(probabilities.Sum(), 1 - 1e-5, 1 + 1e-5);
        Assert.Equal(digit, Array.IndexOf(probabilities, probabilities.Max()));

        var framed = (await page.GetAttributeAsync("#result", "data-digit"))!.Split(' ').Select(byte.Parse).ToArray();
        var desktop = new LeNet5();
        SafeTensors.Load(desktop, Weights);
        var input = new float[LeNet5.InputLength];
        var expected = new float[LeNet5.OutputLength];
        Idx.ToFloats(framed, input, Idx.MnistMean, Idx.MnistStd);
        desktop.Forward(input, expected);
        AssertClose(expected, Numbers(await page.GetAttributeAsync("#result", "data-logits")), $"the drawn {digit}");

        foreach (string id in new[] { "framed", "conv1-maps", "conv2-maps", "conv1-filters" })
            Assert.True(await InkedPixelsAsync(page, id) > 0, $"#{id} is blank");
        output.WriteLine($"drawn {digit}: {await page.TextContentAsync("#timing")}");
    }

    private static void AssertClose(float[] expected, float[] got, string what)
    {
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - got[i]) <= Tolerance, $"{what}, class {i}: desktop {expected[i]:R}, browser {got[i]:R}");
    }

    private static async Task<float[]> ProbabilitiesAsync(IPage page) =>
        (await page.Locator(".bars li").EvaluateAllAsync<string[]>("items => items.map(li => li.dataset.probability)"))
        .Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    private static float[] Numbers(string? text) =>
        text!.Split(' ').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    // Pixels drawn and not black: a canvas that was never drawn, or was cleared, has none.
    private static Task<int> InkedPixelsAsync(IPage page, string id) => page.EvaluateAsync<int>("""
        id => {
          const c = document.getElementById(id);
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] + d[i + 1] + d[i + 2] > 0) n++;
          return n;
        }
        """, id);
}
