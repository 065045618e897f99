namespace CnnMl;

/// <summary>Saving and loading models, and prediction engines (as ML.NET's ModelOperationsCatalog).</summary>
public sealed partial class ModelOperationsCatalog
{
    private readonly MLContext context;

    internal ModelOperationsCatalog(MLContext context) => this.context = context;
}
