using System.Runtime.InteropServices;

namespace CnnMl.Torch.Native;

/// <summary>Owns one native <c>at::Tensor</c> allocated by the shim; releasing it frees the reference.</summary>
internal sealed class TensorSafeHandle : SafeHandle
{
    public TensorSafeHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    public TensorSafeHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    /// <summary>Passes a null tensor (an absent optional argument) to the shim.</summary>
    public static readonly TensorSafeHandle Null = new();

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.cnn_tensor_free(handle);
        return true;
    }
}
