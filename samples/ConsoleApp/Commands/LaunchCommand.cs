using System.CommandLine;
using CnnMl.ConsoleApp.Distributed;

namespace CnnMl.ConsoleApp.Commands;

/// <summary>
/// <c>cnnml launch --nproc-per-node N [...] -- program args</c>: runs any program (an ML.NET program
/// whose CNN trainers then train data-parallel) as the ranks of a job, as torchrun runs a script.
/// </summary>
internal static class LaunchCommand
{
    public static Command Create()
    {
        var launch = new LaunchOptions();
        var program = new Argument<string[]>("command") { Description = "The program and its arguments (after --), run once per rank", Arity = ArgumentArity.OneOrMore };
        var command = new Command("launch", "Run a program as the ranks of a data-parallel job (torchrun's environment: RANK, WORLD_SIZE, MASTER_ADDR, ...)") { program };
        launch.AddTo(command);
        command.SetAction(result =>
        {
            var settings = launch.Settings(result) ?? throw new UsageException("cnnml launch needs --nproc-per-node");
            var line = result.GetValue(program)!;
            return RankLauncher.Run(settings, line[0], line[1..], Console.Out, Console.Error);
        });
        return command;
    }
}
