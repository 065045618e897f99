// cnnml: trains, evaluates and inspects the CnnMl model zoo from the command line.
// With no command it runs the main job of ./run.sh: LeNet-5 on Fashion-MNIST for one epoch.
return CnnMl.ConsoleApp.CliApp.Run(args, Console.Out, Console.Error, CnnMl.ConsoleApp.Output.Terminal.IsInteractive());
