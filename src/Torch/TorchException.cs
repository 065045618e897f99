using CnnMl.Torch.Native;

namespace CnnMl.Torch;

/// <summary>An error reported by libtorch (or the CnnMl native shim), carrying libtorch's message.</summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception with libtorch's message.</summary>
    public TorchException(string message) : base(message) { }

    internal static TorchException FromNative() => new(NativeMethods.LastError());

    internal static void Check(int status)
    {
        if (status < 0) throw FromNative();
    }
}
