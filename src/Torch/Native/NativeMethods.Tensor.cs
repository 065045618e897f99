using System.Runtime.InteropServices;

namespace CnnMl.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial void cnn_tensor_free(IntPtr t);
    [LibraryImport(Library)] internal static partial int cnn_tensor_ndim(TensorSafeHandle t);
    [LibraryImport(Library)] internal static partial int cnn_tensor_shape(TensorSafeHandle t, long* shape);
    [LibraryImport(Library)] internal static partial int cnn_tensor_strides(TensorSafeHandle t, long* strides);
    [LibraryImport(Library)] internal static partial long cnn_tensor_numel(TensorSafeHandle t);
    [LibraryImport(Library)] internal static partial int cnn_tensor_dtype(TensorSafeHandle t);
    [LibraryImport(Library)] internal static partial int cnn_tensor_device_type(TensorSafeHandle t);
    [LibraryImport(Library)] internal static partial int cnn_tensor_device_index(TensorSafeHandle t);
    [LibraryImport(Library)] internal static partial int cnn_tensor_is_contiguous(TensorSafeHandle t, int memoryFormat);
    [LibraryImport(Library)] internal static partial int cnn_tensor_requires_grad(TensorSafeHandle t);
    [LibraryImport(Library)] internal static partial int cnn_tensor_set_requires_grad(TensorSafeHandle t, int requiresGrad);
    [LibraryImport(Library)] internal static partial int cnn_tensor_is_leaf(TensorSafeHandle t);
    [LibraryImport(Library)] internal static partial int cnn_tensor_grad(TensorSafeHandle t, out IntPtr grad);
    [LibraryImport(Library)] internal static partial int cnn_tensor_set_grad(TensorSafeHandle t, TensorSafeHandle? grad);
    [LibraryImport(Library)] internal static partial int cnn_tensor_backward(TensorSafeHandle t, TensorSafeHandle? gradient, int retainGraph, int createGraph);
    [LibraryImport(Library)] internal static partial int cnn_tensor_set_data(TensorSafeHandle t, TensorSafeHandle data);

    [LibraryImport(Library)] internal static partial IntPtr cnn_zeros(long* shape, int ndim, int dtype, int dev, int idx, int rg);
    [LibraryImport(Library)] internal static partial IntPtr cnn_ones(long* shape, int ndim, int dtype, int dev, int idx, int rg);
    [LibraryImport(Library)] internal static partial IntPtr cnn_empty(long* shape, int ndim, int dtype, int dev, int idx, int rg);
    [LibraryImport(Library)] internal static partial IntPtr cnn_full(long* shape, int ndim, double value, int integral, int dtype, int dev, int idx, int rg);
    [LibraryImport(Library)] internal static partial IntPtr cnn_rand(long* shape, int ndim, int dtype, int dev, int idx, int rg);
    [LibraryImport(Library)] internal static partial IntPtr cnn_randn(long* shape, int ndim, int dtype, int dev, int idx, int rg);
    [LibraryImport(Library)] internal static partial IntPtr cnn_randint(long low, long high, long* shape, int ndim, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static partial IntPtr cnn_arange(double start, double end, double step, int dtype, int dev, int idx, int rg);
    [LibraryImport(Library)] internal static partial IntPtr cnn_randperm(long n, int dtype, int dev, int idx);
    [LibraryImport(Library)] internal static partial IntPtr cnn_tensor_from_data(void* data, long* shape, int ndim, int dtype, int dev, int idx, int rg);
    [LibraryImport(Library)] internal static partial int cnn_tensor_copy_to(TensorSafeHandle t, void* destination, long nbytes);
    [LibraryImport(Library)] internal static partial int cnn_tensor_copy_from(TensorSafeHandle t, void* source, long nbytes, int nonBlocking);
    [LibraryImport(Library)] internal static partial IntPtr cnn_tensor_data_ptr(TensorSafeHandle t);
    [LibraryImport(Library)] internal static partial int cnn_tensor_item_double(TensorSafeHandle t, out double value);
    [LibraryImport(Library)] internal static partial int cnn_tensor_item_long(TensorSafeHandle t, out long value);
    [LibraryImport(Library)] internal static partial IntPtr cnn_tensor_to(TensorSafeHandle t, int dtype, int dev, int idx, int nonBlocking, int copy);
    [LibraryImport(Library)] internal static partial IntPtr cnn_tensor_pin_memory(TensorSafeHandle t);
    [LibraryImport(Library)] internal static partial int cnn_tensor_is_pinned(TensorSafeHandle t);
    [LibraryImport(Library)] internal static partial IntPtr cnn_tensor_contiguous(TensorSafeHandle t, int memoryFormat);
    [LibraryImport(Library)] internal static partial IntPtr cnn_tensor_to_memory_format(TensorSafeHandle t, int memoryFormat);
    [LibraryImport(Library)] internal static partial IntPtr cnn_tensor_alias(TensorSafeHandle t);
    [LibraryImport(Library, EntryPoint = "cnn_tensor_alias")] internal static partial IntPtr cnn_tensor_alias_unowned(IntPtr t);
    [LibraryImport(Library)] internal static partial IntPtr cnn_tensor_detach(TensorSafeHandle t);
    [LibraryImport(Library)] internal static partial IntPtr cnn_tensor_clone(TensorSafeHandle t);
    [LibraryImport(Library)] internal static partial int cnn_tensor_detach_(TensorSafeHandle t);
}
