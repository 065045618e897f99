using System.Reflection;
using Microsoft.ML.Runtime;

namespace CnnMl.Trainers.Tests;

/// <summary>
/// The ML.NET that runs is the one src/CnnEstimators/MlNetInternals was checked against, and CnnMl
/// carries no look-alike of an ML.NET type.
/// </summary>
[TestClass]
public sealed class MlNetInternalsTests
{
    private const string CheckedVersion = "5.0.1";

    [TestMethod]
    public void TheLoadedMlNetIsTheVersionTheInternalsWereCheckedAgainst()
    {
        foreach (var assembly in new[] { typeof(IHostEnvironment).Assembly, typeof(MLContext).Assembly, typeof(MLImage).Assembly })
        {
            var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "(none)";
            Assert.IsTrue(version.StartsWith(CheckedVersion + "+", StringComparison.Ordinal) || version == CheckedVersion,
                $"{assembly.GetName().Name} is ML.NET {version}, but src/CnnEstimators/MlNetInternals uses internal APIs checked against {CheckedVersion} only: " +
                "re-check the files listed in its README.md against the new ML.NET, then update MlNetVersion in Directory.Build.props and this test");
        }
    }

    [TestMethod]
    public void NoTypeOfOursHasTheNameOfAnMlNetType()
    {
        var mlNet = AppDomain.CurrentDomain.GetAssemblies().Append(typeof(ImageLoadingEstimator).Assembly)
            .Where(a => a.GetName().Name!.StartsWith("Microsoft.ML", StringComparison.Ordinal))
            .Distinct()
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsNested && t.IsPublic)
            .Select(t => t.Name)
            .ToHashSet(StringComparer.Ordinal);
        Assert.IsTrue(mlNet.Contains("MLContext") && mlNet.Contains("IDataView") && mlNet.Contains("VBuffer`1"), "ML.NET's public types were not found");
        var ours = new[] { typeof(CnnClassificationTransformer).Assembly, typeof(Datasets.FashionMnist).Assembly, typeof(Torch.torch).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsNested && !t.Name.StartsWith('<') && t.Namespace != "System.Runtime.CompilerServices");
        var clashes = ours.Where(t => mlNet.Contains(t.Name)).Select(t => t.FullName).ToList();
        Assert.AreEqual(0, clashes.Count, "types of ours named like ML.NET's public types (use ML.NET's): " + string.Join(", ", clashes));
    }
}
