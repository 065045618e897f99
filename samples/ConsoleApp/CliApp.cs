using System.CommandLine;
using System.Reflection;
using CnnMl.ConsoleApp.Commands;
using CnnMl.ConsoleApp.Output;

namespace CnnMl.ConsoleApp;

/// <summary>
/// The cnnml command line: <c>train</c>, <c>evaluate</c>, <c>predict</c>, <c>export</c>, <c>summary</c>, <c>models</c>,
/// <c>binding-demo</c> and <c>launch</c>. Errors reach the user as one line on stderr and a non-zero exit code
/// (1: the command failed, 2: the command line is wrong); <c>--verbose</c> adds the stack trace.
/// </summary>
internal static class CliApp
{
    /// <summary>The commands run when none is given (the main job of ./run.sh).</summary>
    public static readonly string[] DefaultArguments = ["train"];

    /// <summary>Shows stack traces of errors (any command).</summary>
    public static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Show the stack trace of an error", Recursive = true };

    /// <summary>Runs the command line; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool interactive) => Run(args, output, error, interactive, DefaultArguments);

    /// <summary>Runs the command line, or <paramref name="defaultArguments"/> when it is empty.</summary>
    internal static int Run(string[] args, TextWriter output, TextWriter error, bool interactive, string[] defaultArguments)
    {
        var terminal = new Terminal(output, interactive);
        if (args.Length == 0)
        {
            terminal.Line($"cnnml: no command given; running '{string.Join(' ', defaultArguments)}'. 'cnnml --help' lists the commands.");
            args = defaultArguments;
        }
        var root = new RootCommand("cnnml: trains and inspects the CnnMl model zoo (classic CNNs on libtorch, ML.NET-style pipelines).")
        {
            TrainCommand.Create(terminal, args),
            EvaluateCommand.Create(terminal),
            PredictCommand.Create(terminal),
            ExportCommand.Create(terminal),
            SummaryCommand.Create(terminal),
            ModelsCommand.Create(terminal),
            BindingDemoCommand.Create(terminal),
            LaunchCommand.Create(),
        };
        root.Options.Add(Verbose);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            var command = parsed.CommandResult.Command;
            var name = command == root ? "cnnml" : $"cnnml {command.Name}";
            var message = string.Join(" ", parsed.Errors[0].Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            error.WriteLine($"error: {message} (see '{name} --help')");
            return 2;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            var cause = Unwrap(e);
            if (parsed.GetValue(Verbose)) error.WriteLine(cause.ToString());
            else error.WriteLine($"error: {OneLine(cause)}");
            return cause is UsageException ? 2 : 1;
        }
    }

    private static Exception Unwrap(Exception e) => e switch
    {
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        _ => e,
    };

    /// <summary>The message on one line (ArgumentException's "(Parameter ...)" and "Actual value" lines dropped).</summary>
    internal static string OneLine(Exception e)
    {
        var message = e is ArgumentException argument && argument.ParamName is { } p
            ? argument.Message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal)
            : e.Message;
        var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("Actual value was", StringComparison.Ordinal));
        return string.Join(" ", lines);
    }
}

/// <summary>A wrong option value found by a command's own checks (exit code 2, as parse errors).</summary>
internal sealed class UsageException(string message) : Exception(message);
