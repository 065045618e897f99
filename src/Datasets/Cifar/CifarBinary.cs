namespace CnnMl.Datasets.Cifar;

/// <summary>
/// Reads the CIFAR binary format: fixed-size records of label bytes followed by a 32x32 RGB image
/// stored channel-major (1024 red, 1024 green, 1024 blue bytes). Several batch files are read into
/// one array, the single in-memory copy of the dataset. Every problem names the file.
/// </summary>
internal static class CifarBinary
{
    public const int ImageBytes = 3 * 32 * 32;

    /// <summary>
    /// Reads <paramref name="files"/> (records of <paramref name="labelCounts"/>.Length label bytes then
    /// the image) and checks each label byte i is below <paramref name="labelCounts"/>[i].
    /// </summary>
    public static (byte[] Data, int Count) Read(IReadOnlyList<string> files, IReadOnlyList<(string Name, int Classes)> labelCounts)
    {
        var recordSize = labelCounts.Count + ImageBytes;
        long total = 0;
        foreach (var file in files)
        {
            var length = new FileInfo(file).Length;
            if (length == 0) throw new InvalidDataException($"'{file}' is empty; a CIFAR batch holds {recordSize}-byte records");
            if (length % recordSize != 0)
                throw new InvalidDataException($"'{file}' is truncated or not a CIFAR batch: {length} bytes is not a whole number of {recordSize}-byte records ({labelCounts.Count} label byte(s) + {ImageBytes} pixels)");
            total += length;
        }
        if (total > Array.MaxLength) throw new InvalidDataException($"the CIFAR files hold {total} bytes, more than one array can");
        var data = GC.AllocateUninitializedArray<byte>((int)total);
        var offset = 0;
        foreach (var file in files)
        {
            using (var stream = File.OpenRead(file))
            {
                var length = (int)stream.Length;
                var read = stream.ReadAtLeast(data.AsSpan(offset, length), length, throwOnEndOfStream: false);
                if (read < length) throw new InvalidDataException($"'{file}' ended after {read} of its {length} bytes while being read");
            }
            CheckLabels(data, offset, (int)new FileInfo(file).Length / recordSize, recordSize, labelCounts, file);
            offset += (int)new FileInfo(file).Length;
        }
        return (data, (int)(total / recordSize));
    }

    private static void CheckLabels(byte[] data, int offset, int records, int recordSize, IReadOnlyList<(string Name, int Classes)> labelCounts, string file)
    {
        for (int r = 0; r < records; r++)
            for (int l = 0; l < labelCounts.Count; l++)
            {
                var label = data[offset + r * recordSize + l];
                if (label >= labelCounts[l].Classes)
                    throw new InvalidDataException($"'{file}' record {r} has {labelCounts[l].Name} {label}, outside the {labelCounts[l].Classes} classes 0..{labelCounts[l].Classes - 1}");
            }
    }

    /// <summary>The path of <paramref name="name"/> in <paramref name="folder"/>; missing is a <see cref="FileNotFoundException"/> saying where to get the files.</summary>
    public static string Require(string folder, string name, string datasetName, string archive)
    {
        var path = Path.Combine(folder, name);
        if (File.Exists(path)) return path;
        throw new FileNotFoundException(
            $"{datasetName} file '{path}' not found: download the binary version ({archive}) from https://www.cs.toronto.edu/~kriz/cifar.html, extract it, and pass the folder holding the .bin files. CnnMl never downloads datasets.",
            path);
    }

    /// <summary>
    /// The class names in <paramref name="folder"/>/<paramref name="fileName"/> (one per non-empty
    /// line) when that file exists, else <paramref name="defaults"/>; a file with the wrong number of
    /// names is an error naming it.
    /// </summary>
    public static IReadOnlyList<string> ClassNames(string folder, string fileName, IReadOnlyList<string> defaults)
    {
        var path = Path.Combine(folder, fileName);
        if (!File.Exists(path)) return defaults;
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length != defaults.Count)
            throw new InvalidDataException($"'{path}' lists {names.Length} class names; expected {defaults.Count}, one per line");
        return names;
    }
}
