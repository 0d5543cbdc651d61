// Copyright Cairn contributors. Licensed under the Apache License, Version 2.0.

using System.Reflection;

namespace Cairn.Client.Tests;

/// <summary>
/// The SDK's public surface is pinned in src/Cairn.Client/PublicAPI.txt so that every change to it is deliberate:
/// after an intended change, run the tests once with CAIRN_UPDATE_PUBLIC_API=1 and commit the new file.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void The_public_api_matches_its_baseline()
    {
        string baselinePath = Path.Combine(RepositoryRoot(), "src", "Cairn.Client", "PublicAPI.txt");
        string actual = Describe(typeof(CairnClient).Assembly);
        if (Environment.GetEnvironmentVariable("CAIRN_UPDATE_PUBLIC_API") == "1")
        {
            File.WriteAllText(baselinePath, actual);
        }

        Assert.True(File.Exists(baselinePath), $"{baselinePath} is missing: run the tests with CAIRN_UPDATE_PUBLIC_API=1 to create it");
        string expected = File.ReadAllText(baselinePath).ReplaceLineEndings("\n");
        var missing = expected.Split('\n').Except(actual.Split('\n')).ToList();
        var added = actual.Split('\n').Except(expected.Split('\n')).ToList();
        Assert.True(missing.Count == 0 && added.Count == 0,
            "The public API changed; if intended, run the tests with CAIRN_UPDATE_PUBLIC_API=1 and commit src/Cairn.Client/PublicAPI.txt.\n" +
            string.Join('\n', missing.Select(m => "- " + m).Concat(added.Select(a => "+ " + a))));
    }

    private static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            lines.Add($"{Kind(type)} {Name(type)}{Bases(type)}");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(flags))
            {
                if (Describe(type, member) is { } line)
                {
                    lines.Add(line);
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines) + "\n";
    }

    private static string? Describe(Type type, MemberInfo member) => member switch
    {
        ConstructorInfo c => $"{Name(type)}.ctor({Parameters(c)})",
        MethodInfo m when !m.IsSpecialName && m.DeclaringType == type && !IsCompilerGenerated(m) =>
            $"{Name(type)}.{(m.IsStatic ? "static " : string.Empty)}{m.Name}{Generic(m)}({Parameters(m)}) -> {Name(m.ReturnType)}",
        PropertyInfo p => $"{Name(type)}.{p.Name} {{ {(p.GetMethod?.IsPublic == true ? "get; " : string.Empty)}{(p.SetMethod?.IsPublic == true ? "set; " : string.Empty)}}} -> {Name(p.PropertyType)}",
        FieldInfo f => $"{Name(type)}.{(f.IsLiteral ? "const " : f.IsStatic ? "static " : string.Empty)}{f.Name} -> {Name(f.FieldType)}",
        EventInfo e => $"{Name(type)}.event {e.Name} -> {Name(e.EventHandlerType!)}",
        _ => null,
    };

    // Records generate equality and clone members whose exact set depends on the compiler; the declared shape is what we pin.
    private static bool IsCompilerGenerated(MethodInfo method) =>
        method.Name is "<Clone>$" or "Deconstruct" or "PrintMembers" or "Equals" or "GetHashCode" or "ToString";

    private static string Kind(Type type) => type switch
    {
        { IsInterface: true } => "interface",
        { IsEnum: true } => "enum",
        { IsValueType: true } => "struct",
        { IsAbstract: true, IsSealed: true } => "static class",
        { IsAbstract: true } => "abstract class",
        { IsSealed: true } => "sealed class",
        _ => "class",
    };

    private static string Bases(Type type)
    {
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum))
        {
            bases.Add(Name(baseType));
        }

        bases.AddRange(type.GetInterfaces().Where(i => !i.Name.StartsWith("IEquatable", StringComparison.Ordinal)).Select(Name).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? string.Empty : " : " + string.Join(", ", bases);
    }

    private static string Generic(MethodInfo method) =>
        method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty;

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)}"));

    private static string Name(Type type)
    {
        if (type.IsGenericType)
        {
            string name = type.GetGenericTypeDefinition().FullName ?? type.Name;
            return name[..name.IndexOf('`', StringComparison.Ordinal)] + "<" + string.Join(", ", type.GetGenericArguments().Select(Name)) + ">";
        }

        return type.IsGenericParameter ? type.Name : (type.FullName ?? type.Name).Replace('+', '.');
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cairn.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("the repository root (Cairn.slnx) was not found above " + AppContext.BaseDirectory);
    }
}
