using System.Runtime.InteropServices;

namespace CnnMl.Torch.Native;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)] internal static partial IntPtr cnn_image_decode(byte* bytes, long length, out int width, out int height, out int channels);
    [LibraryImport(Library)] internal static partial int cnn_image_copy_pixels(IntPtr image, byte* destination, long length);
    [LibraryImport(Library)] internal static partial void cnn_image_free(IntPtr image);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial byte* cnn_image_encode(byte* source, int width, int height, int channels, string extension, out long length);
    [LibraryImport(Library)] internal static partial void cnn_buffer_free(byte* buffer);
}
