using System;
using System.Collections.Generic;
using System.IO;
using ConvNet;

namespace Samples.Common;

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
    /// Saves the weights as <paramref name="fileName"/> in <paramref name="folder"/>, or, if the file system fails (the
    /// folder vanished, the disk filled), in the temporary folder, so trained weights are not lost; each failure, of any
    /// kind, goes to <paramref name="failures"/> rather than being thrown.
    /// </summary>
    /// <returns>Where the weights are, or null if they could not be saved anywhere.</returns>
    public static string? SaveWeights(INetwork network, string folder, string fileName, List<string> failures)
    {
        string path = Path.Combine(folder, fileName);
        var failure = Save(network, path, failures);
        if (failure is null) return path;
        // Only a failure of the file system is worth trying elsewhere: the library refusing the network's state (a batch
        // norm count it cannot store as an integer) would refuse it there too.
        if (failure is not (IOException or UnauthorizedAccessException)) return null;
        string fallback = Path.Combine(Path.GetTempPath(), $"{Path.GetFileNameWithoutExtension(fileName)}-{DateTime.Now:yyyyMMdd-HHmmss}{Path.GetExtension(fileName)}");
        if (Save(network, fallback, failures) is not null) return null;
        failures.Add($"the weights were saved to {fallback} instead");
        return fallback;
    }

    /// <summary>Runs <paramref name="write"/>, which returns the file it wrote; a failure goes to <paramref name="failures"/>.</summary>
    /// <returns>Whether the file was written.</returns>
    public static bool Write(string what, Func<string> write, List<string> written, List<string> failures)
    {
        try
        {
            written.Add(write());
            return true;
        }
        // The plotting library reports a failed write with more than I/O exceptions; whatever it is, the other
        // outputs are still worth writing.
        catch (Exception e)
        {
            failures.Add($"cannot write {what}: {e.Message}");
            return false;
        }
    }

    // The failure it reported, or null when the weights were saved.
    private static Exception? Save(INetwork network, string path, List<string> failures)
    {
        try
        {
            SafeTensors.Save(network, path);
            return null;
        }
        catch (Exception e)
        {
            failures.Add($"cannot save the weights to {path}: {e.Message}");
            return e;
        }
    }
}
