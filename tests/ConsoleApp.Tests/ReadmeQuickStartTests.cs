namespace CnnMl.ConsoleApp.Tests;

/// <summary>The README's quick start, compiled into this assembly at build time (see the .csproj), runs.</summary>
[TestClass]
public sealed class ReadmeQuickStartTests
{
    [TestMethod]
    public void QuickStartRuns()
    {
        var folder = Cli.TempFolder("readme");
        var previous = Environment.CurrentDirectory;
        var output = new StringWriter();
        var console = Console.Out;
        try
        {
            Environment.CurrentDirectory = folder;
            Console.SetOut(output);
            Readme.ReadmeQuickStart.Run();
        }
        finally
        {
            Console.SetOut(console);
            Environment.CurrentDirectory = previous;
        }
        var text = output.ToString();
        StringAssert.Contains(text, "accuracy");
        StringAssert.Contains(text, "Confusion table");
        StringAssert.Contains(text, "predicted");
    }
}
