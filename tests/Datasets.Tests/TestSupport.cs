using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using Microsoft.ML.Data;

namespace CnnMl.Datasets.Tests;

/// <summary>A temporary folder deleted at dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cnnml-datasets-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Writes IDX and CIFAR files for the reader tests.</summary>
internal static class DatasetFiles
{
    /// <summary>An IDX file: magic 0x0000_08_rank, big-endian dims, data; gzip-compressed when asked.</summary>
    public static void WriteIdx(string path, int[] dims, byte[] data, bool gzip, uint? magic = null)
    {
        using var buffer = new MemoryStream();
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, magic ?? (0x0800u | (uint)dims.Length));
        buffer.Write(word);
        foreach (var d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            buffer.Write(word);
        }
        buffer.Write(data);
        using var file = System.IO.File.Create(path);
        if (gzip)
        {
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            buffer.Position = 0;
            buffer.CopyTo(zip);
        }
        else
        {
            buffer.Position = 0;
            buffer.CopyTo(file);
        }
    }

    /// <summary>Deterministic pixels: image i, byte j = (i * 31 + j * 7) mod 256.</summary>
    public static byte[] Pixels(int count, int size)
    {
        var pixels = new byte[count * size];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < size; j++)
                pixels[i * size + j] = (byte)((i * 31 + j * 7) % 256);
        return pixels;
    }

    /// <summary>A CIFAR batch: per record the label bytes then 3072 pixels from <see cref="Pixels"/> (row index offset by <paramref name="firstRow"/>).</summary>
    public static void WriteCifar(string path, byte[][] labelsPerRecord, int firstRow = 0)
    {
        using var file = System.IO.File.Create(path);
        for (int i = 0; i < labelsPerRecord.Length; i++)
        {
            file.Write(labelsPerRecord[i]);
            file.Write(Pixels(1, 3072).Select((_, j) => (byte)(((firstRow + i) * 31 + j * 7) % 256)).ToArray());
        }
    }
}

/// <summary>Reads a dataset view's rows through a cursor.</summary>
internal static class Rows
{
    public static List<uint> Keys(IDataView data, string column = "Label")
    {
        var col = data.Schema[column];
        using var cursor = data.GetRowCursor(new[] { col });
        var get = cursor.GetGetter<uint>(col);
        var keys = new List<uint>();
        while (cursor.MoveNext())
        {
            uint k = 0;
            get(ref k);
            keys.Add(k);
        }
        return keys;
    }

    public static List<float[]> Features(IDataView data, string column = "Features")
    {
        var col = data.Schema[column];
        using var cursor = data.GetRowCursor(new[] { col });
        var get = cursor.GetGetter<VBuffer<float>>(col);
        var rows = new List<float[]>();
        VBuffer<float> value = default;
        while (cursor.MoveNext())
        {
            get(ref value);
            rows.Add(value.GetValues().ToArray());
        }
        return rows;
    }

    public static List<string> Texts(IDataView data, string column)
    {
        var col = data.Schema[column];
        using var cursor = data.GetRowCursor(new[] { col });
        var get = cursor.GetGetter<ReadOnlyMemory<char>>(col);
        var rows = new List<string>();
        while (cursor.MoveNext())
        {
            ReadOnlyMemory<char> value = default;
            get(ref value);
            rows.Add(value.ToString());
        }
        return rows;
    }

    public static string[] KeyValues(IDataView data, string column = "Label")
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        data.Schema[column].GetKeyValues(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    /// <summary>The bytes a float row came from (v * 255, rounded).</summary>
    public static byte[] Bytes(float[] features) => features.Select(v => (byte)MathF.Round(v * 255f)).ToArray();
}

/// <summary>Runs the numpy reference script (tests/python, copied next to the test assembly).</summary>
internal static class PythonReference
{
    /// <summary>Debian's python3-numpy belongs to the system interpreter; CNNML_PYTHON names another interpreter.</summary>
    public static readonly string Interpreter = Environment.GetEnvironmentVariable("CNNML_PYTHON") is { Length: > 0 } python ? python : "/usr/bin/python3";

    public static string Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "python", "datasets_reference.py"));
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Interpreter}");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("datasets_reference.py did not finish within 120 s");
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"datasets_reference.py failed ({process.ExitCode}):\n{error.Result}");
        return output;
    }
}
