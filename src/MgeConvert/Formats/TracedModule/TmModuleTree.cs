using MgeConvert.Formats.Pickle;

namespace MgeConvert.Formats.TracedModule;

/// <summary>The module hierarchy of a TracedModule as indented lines ("name: class"), for inspect.</summary>
internal static class TmModuleTree
{
    private const int MaxDepth = 32;

    public static List<string> Describe(TmModule root, TmLoader loader)
    {
        var lines = new List<string> { $"module tree: {root.ClassPath}" };
        Walk(root, loader, 1, [root], lines);
        return lines;
    }

    private static void Walk(TmModule module, TmLoader loader, int depth, HashSet<TmModule> path, List<string> lines)
    {
        if (depth > MaxDepth)
        {
            return;
        }

        foreach (var (key, value) in module.Attrs)
        {
            if (key is not string name || name.StartsWith('_') || loader.Module(value) is not { } child || !path.Add(child))
            {
                continue;
            }

            lines.Add($"{new string(' ', 2 * depth)}{name}: {child.ClassPath}");
            Walk(child, loader, depth + 1, path, lines);
            path.Remove(child);
        }
    }
}
