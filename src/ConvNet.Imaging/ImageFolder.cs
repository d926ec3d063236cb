using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ConvNet.Imaging;

/// <summary>
/// A labelled data set from a folder of class folders, as torchvision's <c>ImageFolder</c>: <c>root/cat/1.png</c> and
/// <c>root/dog/7.jpg</c> give classes <c>cat</c> (0) and <c>dog</c> (1). Every image is decoded and resized to the
/// network's input shape up front, so training reads memory only.
/// </summary>
/// <remarks>Class folders are sorted by ordinal name comparison (as Python's <c>sorted</c>), and the files in each the
/// same way, so the labels and the order of <see cref="Files"/> depend on the names only, not on the file system.
/// Files whose extension is not <c>.png</c>, <c>.jpg</c> or <c>.jpeg</c> (any case) are skipped; so are hidden folders.</remarks>
public sealed class ImageFolder
{
    /// <summary>The file extensions read, lower case.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg"];

    private ImageFolder(IReadOnlyList<string> classes, IReadOnlyList<string> files, Dataset data, Shape shape)
    {
        Classes = classes;
        Files = files;
        Data = data;
        Shape = shape;
    }

    /// <summary>The class names, sorted; a sample's label is its class's index here.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Each sample's file, in the data set's order (class by class, sorted names within each).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The decoded, resized and normalised images with their labels.</summary>
    public Dataset Data { get; }

    /// <summary>The shape of each sample.</summary>
    public Shape Shape { get; }

    /// <summary>Number of images.</summary>
    public int Count => Data.Count;

    /// <summary>Reads every image under <paramref name="root"/>'s class folders into samples of <paramref name="shape"/>:
    /// 1 channel decodes to grey, 3 to RGB; each image is resized bilinearly to the shape's height and width (see
    /// <see cref="Images.ToTensor"/>) and normalised when <paramref name="normalization"/> is given.</summary>
    /// <param name="root">The folder holding one folder per class.</param>
    /// <param name="shape">The network's <see cref="INetwork.InputShape"/>.</param>
    /// <param name="normalization">Per-channel mean and deviation applied after scaling to [0, 1], or null for none.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="root"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">There is no class folder, a class folder has no image, or a file is no
    /// image the decoder reads; the message names the folder or file.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The shape has neither 1 nor 3 channels.</exception>
    public static ImageFolder Load(string root, Shape shape, Normalization? normalization = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (shape.Channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "Images load as 1 (grey) or 3 (RGB) channels.");
        if (shape.Height < 1 || shape.Width < 1)
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "The height and width must be positive.");
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"'{root}' does not exist.");
        var classes = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Where(name => !name.StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0)
            throw new InvalidDataException($"'{root}' has no class folders: expected one folder per class, each holding its images.");

        var files = new List<string>();
        var labels = new List<int>();
        for (int label = 0; label < classes.Length; label++)
        {
            string folder = Path.Combine(root, classes[label]);
            var images = Directory.GetFiles(folder)
                .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal).ToArray();
            if (images.Length == 0)
                throw new InvalidDataException($"Class folder '{folder}' has no {string.Join(", ", Extensions)} files.");
            files.AddRange(images);
            labels.AddRange(Enumerable.Repeat(label, images.Length));
        }

        var inputs = new float[(long)files.Count * shape.Length];
        for (int i = 0; i < files.Count; i++)
            Images.ToTensor(Images.Load(files[i], shape.Channels), shape, normalization).CopyTo(inputs.AsSpan(i * shape.Length));
        return new ImageFolder(classes, files, new Dataset(inputs, [.. labels]), shape);
    }

    /// <summary>
    /// Which samples train and which validate: a random <paramref name="validationFraction"/> of them (rounded, at least
    /// one, leaving at least one) validates, drawn from a generator seeded with <paramref name="seed"/>, so a seed always
    /// gives the same split. Each part is in the data set's order, and together they hold every sample once.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is not in (0, 1), or leaves a part empty.</exception>
    public (int[] Train, int[] Validation) SplitIndices(double validationFraction, ulong seed)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "Must be in (0, 1).");
        int validation = (int)Math.Round(validationFraction * Count, MidpointRounding.AwayFromZero);
        if (validation < 1 || validation >= Count)
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction,
                $"{validationFraction} of {Count} images leaves {(validation < 1 ? "no validation" : "no training")} image.");
        var order = Enumerable.Range(0, Count).ToArray();
        var rng = new Rng(seed);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var validate = order[..validation];
        var train = order[validation..];
        Array.Sort(validate);
        Array.Sort(train);
        return (train, validate);
    }

    /// <summary>The samples of <see cref="SplitIndices"/> as two data sets.</summary>
    public (Dataset Train, Dataset Validation) Split(double validationFraction, ulong seed)
    {
        var (train, validation) = SplitIndices(validationFraction, seed);
        return (Data.Subset(train), Data.Subset(validation));
    }
}
