using MgeConvert.Formats;
using Spectre.Console;

namespace MgeConvert.Cli.Output;

/// <summary>The end-of-conversion summary: ops in → out by type, transposes, written files and stage times.</summary>
internal static class SummaryOutput
{
    public static void Print(CliEnvironment env, ConversionResult result, bool verbose)
    {
        foreach (var warning in result.Warnings)
        {
            env.Error.WriteLine("warning: " + warning);
        }

        if (env.OutputIsTerminal)
        {
            PrintRich(Consoles.For(env), result);
        }
        else
        {
            PrintPlain(env.Out, result);
        }

        if (verbose)
        {
            env.Out.WriteLine(result.PassLog.Count == 0 ? "  passes: no changes logged" : "  passes:");
            foreach (var line in result.PassLog)
            {
                env.Out.WriteLine("    " + line);
            }
        }
    }

    private static void PrintPlain(TextWriter o, ConversionResult result)
    {
        var t = result.Timings;
        o.WriteLine($"converted {result.Input} ({result.From.CommandName()}, {result.SourceContainer}) to {result.To.CommandName()}");
        o.WriteLine($"  ops:   {result.OpsIn.Total()} in -> {result.OpsOut.Total()} out");
        var rows = OpRow.Of(result);
        var width = rows.Count == 0 ? 0 : rows.Max(r => r.Op.Length);
        foreach (var row in rows)
        {
            o.WriteLine($"    {row.Op.PadRight(width)}  {row.In,6} -> {row.Out,6}");
        }

        if (result.TargetOps.Count > 0)
        {
            o.WriteLine($"  {result.To.CommandName()} ops: {result.TargetOps.Total()} ("
                + string.Join(", ", result.TargetOps.Select(c => $"{c.Op} {c.Count}")) + ")");
        }

        var (transposesIn, transposesOut) = OpRow.Transposes(result);
        o.WriteLine($"  transposes: {transposesIn} in -> {transposesOut} out");
        foreach (var file in result.Outputs)
        {
            o.WriteLine($"  wrote: {file.Path} ({Sizes.Bytes(file.Size)})");
        }

        foreach (var note in result.WriterNotes)
        {
            o.WriteLine($"  note:  {note}");
        }

        o.WriteLine(
            $"  time:  {Sizes.Time(t.Total)} (read {Sizes.Time(t.Read)}, passes {Sizes.Time(t.Passes)}, " +
            $"prepare {Sizes.Time(t.Prepare)}, write {Sizes.Time(t.Write)})");
    }

    private static void PrintRich(IAnsiConsole console, ConversionResult result)
    {
        var t = result.Timings;
        console.MarkupLine(
            $"[green]converted[/] {Markup.Escape(result.Input)} ({Markup.Escape(result.From.CommandName())}, " +
            $"{Markup.Escape(result.SourceContainer)}) to [bold]{Markup.Escape(result.To.CommandName())}[/]");
        var ops = new Table().Title("Operators")
            .AddColumn("op").AddColumn(new TableColumn("in").RightAligned()).AddColumn(new TableColumn("out").RightAligned());
        foreach (var row in OpRow.Of(result))
        {
            ops.AddRow(Markup.Escape(row.Op), Numbers.Count(row.In), Numbers.Count(row.Out));
        }

        var (transposesIn, transposesOut) = OpRow.Transposes(result);
        ops.AddRow("total", Numbers.Count(result.OpsIn.Total()), Numbers.Count(result.OpsOut.Total()));
        ops.AddRow("transposes", Numbers.Count(transposesIn), Numbers.Count(transposesOut));
        console.Write(ops);
        if (result.TargetOps.Count > 0)
        {
            var target = new Table().Title($"Written {Markup.Escape(result.To.CommandName())} operators")
                .AddColumn("op").AddColumn(new TableColumn("count").RightAligned());
            foreach (var c in result.TargetOps)
            {
                target.AddRow(Markup.Escape(c.Op), Numbers.Count(c.Count));
            }

            console.Write(target);
        }

        var files = new Table().AddColumn("wrote").AddColumn(new TableColumn("size").RightAligned());
        foreach (var file in result.Outputs)
        {
            files.AddRow(Markup.Escape(file.Path), Sizes.Bytes(file.Size));
        }

        console.Write(files);
        foreach (var note in result.WriterNotes)
        {
            console.MarkupLine("[dim]note:[/] " + Markup.Escape(note));
        }

        console.MarkupLine(
            $"time: [bold]{Sizes.Time(t.Total)}[/] (read {Sizes.Time(t.Read)}, passes {Sizes.Time(t.Passes)}, " +
            $"prepare {Sizes.Time(t.Prepare)}, write {Sizes.Time(t.Write)})");
    }
}
