using System.Text;
using CnnMl.MlNetInternals;
using CnnMl.Trainers;
using Microsoft.ML.Runtime;

[assembly: LoadableClass(typeof(CnnFeaturizerTransformer), typeof(CnnFeaturizerModelFile), null, typeof(SignatureLoadModel),
    "CnnMl CNN featurizer", CnnFeaturizerModelFile.LoaderSignature)]

namespace CnnMl.MlNetInternals;

/// <summary>
/// A CNN featurizer inside ML.NET's model zip: its model stream holds the output column name
/// (checked as <see cref="CnnModelFile"/> checks a description), and its network is a nested model
/// saved and loaded by <see cref="CnnModelFile"/>.
/// </summary>
internal static class CnnFeaturizerModelFile
{
    public const string LoaderSignature = "CnnMlFeaturizer";
    private const string NetworkDirectory = "Network";

    private static VersionInfo Version => CnnModelFile.VersionOf("CNNMLFEA", LoaderSignature);

    public static void Save(ModelSaveContext ctx, CnnClassificationTransformer network, string outputColumnName)
    {
        ctx.CheckAtModel();
        ctx.SetVersionInfo(Version);
        CnnModelFile.WriteChecked(ctx.Writer, Encoding.UTF8.GetBytes(outputColumnName));
        ctx.SaveModel(network, NetworkDirectory);
    }

    private static CnnFeaturizerTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ArgumentNullException.ThrowIfNull(env);
        ctx.CheckAtModel(Version);
        var outputColumnName = CnnModelFile.ReadingModelStream(() => Encoding.UTF8.GetString(CnnModelFile.ReadChecked(ctx.Reader, "output column name")));
        if (!ctx.LoadModelOrNull<CnnClassificationTransformer, SignatureLoadModel>(env, out var network, NetworkDirectory) || network is null)
            throw CnnModelFile.Damaged($"the featurizer's network ('{NetworkDirectory}') is missing");
        return new CnnFeaturizerTransformer(network, outputColumnName, ownsNetwork: true);
    }
}
