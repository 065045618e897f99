namespace CnnMl.Torch;

public static partial class torch
{
    public static partial class optim
    {
        /// <summary>Adam, with PyTorch's parameter names and defaults.</summary>
        public static Modules.Adam Adam(IEnumerable<nn.Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false) =>
            new(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled: false);

        /// <summary>AdamW, with PyTorch's parameter names and defaults (weight decay 0.01).</summary>
        public static Modules.Adam AdamW(IEnumerable<nn.Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01, bool amsgrad = false, bool maximize = false) =>
            new(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled: true);
        /// <summary>SGD, with PyTorch's parameter names and defaults.</summary>
        public static Modules.SGD SGD(IEnumerable<nn.Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false) =>
            new(parameters, lr, momentum, dampening, weight_decay, nesterov, maximize);
    }
}
