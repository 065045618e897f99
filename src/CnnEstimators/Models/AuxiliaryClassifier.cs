using static CnnMl.Torch.torch;

namespace CnnMl.Models;

/// <summary>
/// The logits of a network with auxiliary classifiers (GoogLeNet, Inception v3) and, in training
/// only, the auxiliary logits. Disposing it disposes every tensor it holds.
/// </summary>
/// <param name="Logits">(N, classes) logits of the main classifier.</param>
/// <param name="AuxLogits">
/// Auxiliary (N, classes) logits, deepest head first as torchvision returns them (GoogLeNet:
/// aux2 then aux1); empty in eval mode or when the network was built without auxiliary heads.
/// </param>
public sealed record AuxiliaryOutputs(Tensor Logits, IReadOnlyList<Tensor> AuxLogits) : IDisposable
{
    /// <summary>Disposes the logits and every auxiliary logits tensor.</summary>
    public void Dispose()
    {
        Logits.Dispose();
        foreach (var aux in AuxLogits) aux.Dispose();
    }
}

/// <summary>
/// A classifier with auxiliary heads attached to intermediate layers, which add a weighted loss
/// during training (Szegedy et al.): the total loss is
/// <c>loss(Logits) + AuxLossWeight * Σ loss(AuxLogits[i])</c>.
/// </summary>
public interface IAuxiliaryClassifierNetwork : IClassifierNetwork
{
    /// <summary>True when the network has auxiliary heads.</summary>
    bool AuxLogits { get; }

    /// <summary>Weight of each auxiliary loss in the paper (GoogLeNet 0.3, Inception v3 0.4).</summary>
    double AuxLossWeight { get; }

    /// <summary>
    /// Runs the network; in training mode with auxiliary heads also returns their logits (as
    /// torchvision's <c>GoogLeNetOutputs</c> / <c>InceptionOutputs</c>), otherwise only the logits.
    /// </summary>
    AuxiliaryOutputs forward_with_aux(Tensor input);
}
