// ML.NET keeps what a third party needs to save a transformer in its model zip internal
// (ModelSaveContext, ModelLoadContext, VersionInfo, LoadableClass), and the resizing and grayscale of
// its images (MLImage.CloneWithResizing, CloneWithGrayscale). The runtime honours this
// attribute: code of this assembly may use the internals of the two assemblies named below.
// The compiler sees them through publicized copies of the reference assemblies (README.md here).
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Data")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.ImageAnalytics")]

namespace System.Runtime.CompilerServices;

/// <summary>Lets this assembly reach the non-public members of the named assembly (honoured by the runtime, not the compiler).</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
internal sealed class IgnoresAccessChecksToAttribute(string assemblyName) : Attribute
{
    public string AssemblyName { get; } = assemblyName;
}
