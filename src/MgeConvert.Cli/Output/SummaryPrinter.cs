using MgeConvert.Formats;
using Spectre.Console;

namespace MgeConvert.Cli.Output;

/// <summary>Prints a <see cref="ModelSummary"/>: Spectre tables on a terminal, plain aligned text otherwise.</summary>
internal static class SummaryPrinter
{
    public static void Print(CliEnvironment env, ModelSummary summary)
    {
        if (env.OutputIsTerminal)
        {
            PrintRich(Consoles.For(env), summary);
        }
        else
        {
            PrintPlain(env.Out, summary);
        }
    }

    private static IEnumerable<(string Key, string Value)> Header(ModelSummary s)
    {
        yield return ("file", $"{s.Path} ({Sizes.Bytes(s.FileSize)})");
        yield return ("format", $"{s.Format.Description()}, container {s.Container}");
        yield return ("graph", s.GraphName);
        yield return ("nodes", $"{s.Ops.Total()} ({s.Ops.Count} distinct ops)");
        yield return ("constants", $"{s.ConstantCount} ({Sizes.Bytes(s.ConstantBytes)})");
        if (s.EmbeddedInputs.Count > 0)
        {
            yield return ("embedded inputs", string.Join(", ", s.EmbeddedInputs));
        }

        foreach (var (key, value) in s.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            yield return ($"meta {key}", value);
        }
    }

    private static void PrintPlain(TextWriter o, ModelSummary s)
    {
        foreach (var (key, value) in Header(s))
        {
            o.WriteLine($"{key + ":",-16} {value}");
        }

        PrintTensors(o, "inputs", s.Inputs);
        PrintTensors(o, "outputs", s.Outputs);
        o.WriteLine("ops:");
        var width = s.Ops.Count == 0 ? 0 : s.Ops.Max(c => c.Op.Length);
        foreach (var op in s.Ops)
        {
            o.WriteLine($"  {op.Op.PadRight(width)}  {op.Count,6}");
        }

        if (s.Details.Count > 0)
        {
            o.WriteLine("details:");
            foreach (var line in s.Details)
            {
                o.WriteLine("  " + line);
            }
        }
    }

    private static void PrintTensors(TextWriter o, string title, IReadOnlyList<TensorSummary> tensors)
    {
        o.WriteLine(title + ":");
        var width = tensors.Count == 0 ? 0 : tensors.Max(t => t.Name.Length);
        foreach (var t in tensors)
        {
            o.WriteLine($"  {t.Name.PadRight(width)}  {t.DTypeText}  {t.Shape}");
        }
    }

    private static void PrintRich(IAnsiConsole console, ModelSummary s)
    {
        var header = new Grid().AddColumn().AddColumn();
        foreach (var (key, value) in Header(s))
        {
            header.AddRow(new Markup($"[bold]{Markup.Escape(key)}[/]"), new Text(value));
        }

        console.Write(header);
        console.Write(TensorTable("Inputs", s.Inputs));
        console.Write(TensorTable("Outputs", s.Outputs));
        var ops = new Table().Title("Operators").AddColumn("op").AddColumn(new TableColumn("count").RightAligned());
        foreach (var op in s.Ops)
        {
            ops.AddRow(Markup.Escape(op.Op), op.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        console.Write(ops);
        if (s.Details.Count > 0)
        {
            console.Write(new Panel(new Text(string.Join(Environment.NewLine, s.Details))).Header("Details"));
        }
    }

    private static Table TensorTable(string title, IReadOnlyList<TensorSummary> tensors)
    {
        var table = new Table().Title(title).AddColumn("name").AddColumn("dtype").AddColumn("shape");
        foreach (var t in tensors)
        {
            table.AddRow(Markup.Escape(t.Name), Markup.Escape(t.DTypeText), Markup.Escape(t.Shape.ToString()));
        }

        return table;
    }
}
