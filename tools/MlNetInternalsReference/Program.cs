using Mono.Cecil;

// Usage: CnnMl.MlNetInternalsReference <input.dll> <output.dll> [<input.dll> <output.dll> ...]
// Each output is the input with every type, method, field and nested type made public and every
// property, event and method kept as it is otherwise (bodies are not touched: only compilers read these copies).
if (args.Length == 0 || args.Length % 2 != 0)
{
    Console.Error.WriteLine("usage: CnnMl.MlNetInternalsReference <input.dll> <output.dll> [...pairs]");
    return 2;
}

for (int i = 0; i < args.Length; i += 2)
{
    var (input, output) = (args[i], args[i + 1]);
    var resolver = new DefaultAssemblyResolver();
    resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(input))!);
    using var assembly = AssemblyDefinition.ReadAssembly(input, new ReaderParameters { AssemblyResolver = resolver });
    var types = 0;
    foreach (var module in assembly.Modules)
        foreach (var type in module.GetTypes())
        {
            MakePublic(type);
            types++;
        }
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    assembly.Write(output);
    Console.WriteLine($"{Path.GetFileName(input)}: {types} types public -> {output}");
}
return 0;

static void MakePublic(TypeDefinition type)
{
    if (type.IsNested) type.IsNestedPublic = true;
    else type.IsPublic = true;
    foreach (var method in type.Methods)
        method.IsPublic = true;
    foreach (var field in type.Fields)
        // Compiler-generated backing fields would clash with their properties' names in C#.
        if (!field.Name.Contains('<')) field.IsPublic = true;
}
