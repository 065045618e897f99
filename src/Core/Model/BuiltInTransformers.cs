namespace CnnMl.Model;

/// <summary>Registers the loaders of the transformers defined in CnnMl.Core.</summary>
internal static class BuiltInTransformers
{
    public static void Register()
    {
        TransformerRegistry.Register(TransformerChain<ITransformer>.TransformerChainKind,
            ctx => new TransformerChain<ITransformer>(ctx.Steps.Select(TransformerRegistry.Load)));
    }
}
