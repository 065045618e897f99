using System.Globalization;

namespace CnnMl.ConsoleApp.Tests;

/// <summary>Reads the points of an SVG path made of absolute M and L commands.</summary>
internal static class SvgPath
{
    public static IReadOnlyList<(double X, double Y)> Points(string d) =>
        d.Split(new[] { 'M', 'L' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split(','))
            .Select(xy => (double.Parse(xy[0], CultureInfo.InvariantCulture), double.Parse(xy[1], CultureInfo.InvariantCulture)))
            .ToArray();

    /// <summary>How many subpaths (M commands) the path has.</summary>
    public static int Segments(string d) => d.Count(c => c == 'M');
}
