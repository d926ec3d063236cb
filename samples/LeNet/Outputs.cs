using System;
using System.Collections.Generic;
using System.IO;
using ConvNet;

namespace LeNet;

/// <summary>
/// The run's files: the output folder is checked before training, so an unwritable one costs seconds rather than a whole
/// run, and at the end every file is written on its own, so one that fails loses nothing else.
/// </summary>
public static class Outputs
{
    /// <summary>Creates <paramref name="folder"/> if needed and writes and deletes a probe file in it.</summary>
    /// <exception cref="UserException">The folder cannot be created or written.</exception>
    public static void CheckWritable(string folder)
    {
        string probe = Path.Combine(folder, $".write-test-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(folder);
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserException($"--output: cannot write to '{folder}': {e.Message}");
        }
    }

    /// <summary>
    /// Saves the weights as <paramref name="fileName"/> in <paramref name="folder"/>, or, if that fails (the folder
    /// vanished, the disk filled), in the temporary folder, so trained weights are not lost; each failure goes to
    /// <paramref name="failures"/>.
    /// </summary>
    /// <returns>Where the weights are, or null if they could not be saved anywhere.</returns>
    public static string? SaveWeights(INetwork network, string folder, string fileName, List<string> failures)
    {
        string path = Path.Combine(folder, fileName);
        if (TrySave(network, path, failures)) return path;
        string fallback = Path.Combine(Path.GetTempPath(), $"{Path.GetFileNameWithoutExtension(fileName)}-{DateTime.Now:yyyyMMdd-HHmmss}{Path.GetExtension(fileName)}");
        if (!TrySave(network, fallback, failures)) return null;
        failures.Add($"the weights were saved to {fallback} instead");
        return fallback;
    }

    /// <summary>Runs <paramref name="write"/>, which returns the file it wrote; a failure goes to <paramref name="failures"/>.</summary>
    public static void Write(string what, Func<string> write, List<string> written, List<string> failures)
    {
        try
        {
            written.Add(write());
        }
        // The plotting library reports a failed write with more than I/O exceptions; whatever it is, the other
        // outputs are still worth writing.
        catch (Exception e)
        {
            failures.Add($"cannot write {what}: {e.Message}");
        }
    }

    private static bool TrySave(INetwork network, string path, List<string> failures)
    {
        try
        {
            SafeTensors.Save(network, path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failures.Add($"cannot save the weights to {path}: {e.Message}");
            return false;
        }
    }
}
