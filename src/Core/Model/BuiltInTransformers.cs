using CnnMl.Transforms;

namespace CnnMl.Model;

/// <summary>Registers the loaders of the transformers defined in CnnMl.Core.</summary>
internal static class BuiltInTransformers
{
    public static void Register()
    {
        TransformerRegistry.Register(TransformerChain<ITransformer>.TransformerChainKind,
            ctx => new TransformerChain<ITransformer>(ctx.Steps.Select(TransformerRegistry.Load)));
        Transforms.Image.ImageColumns.Register();
        TransformerRegistry.Register(ValueToKeyMappingTransformer.Kind, ValueToKeyMappingTransformer.Load);
        TransformerRegistry.Register(KeyToValueMappingTransformer.Kind, KeyToValueMappingTransformer.Load);
        TransformerRegistry.Register(ColumnCopyingTransformer.Kind, ColumnCopyingTransformer.Load);
        TransformerRegistry.Register(ColumnConcatenatingTransformer.Kind, ColumnConcatenatingTransformer.Load);
        TransformerRegistry.Register(ColumnSelectingTransformer.Kind, ColumnSelectingTransformer.Load);
    }
}
