namespace CnnMl.Torch.Native;

/// <summary>
/// Raw pointers of several tensors for one native call that takes an array of handles; each
/// handle is reference-counted until the lease is disposed so no tensor can be freed mid-call.
/// </summary>
internal readonly struct HandleLease : IDisposable
{
    private readonly TensorSafeHandle[] handles;
    private readonly bool[] added;

    public HandleLease(IReadOnlyList<torch.Tensor> tensors)
    {
        handles = new TensorSafeHandle[tensors.Count];
        added = new bool[tensors.Count];
        Pointers = new IntPtr[tensors.Count];
        try
        {
            for (int i = 0; i < handles.Length; i++)
            {
                handles[i] = tensors[i].Handle;
                handles[i].DangerousAddRef(ref added[i]);
                Pointers[i] = handles[i].DangerousGetHandle();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IntPtr[] Pointers { get; }

    public void Dispose()
    {
        for (int i = 0; i < handles.Length; i++)
            if (added[i]) handles[i].DangerousRelease();
    }
}
