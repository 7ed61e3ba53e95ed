using System.Collections;
using System.Globalization;
using System.Text;

namespace MgeConvert.Ir;

/// <summary>A readable, deterministic text dump of a graph (one line per node).</summary>
public static class GraphPrinter
{
    public static string Print(Graph graph)
    {
        var sb = new StringBuilder();
        sb.Append("graph ").Append(graph.Name).Append('(')
          .AppendJoin(", ", graph.Inputs.Select(v => $"%{v.Name}: {v.Type}")).AppendLine(") {");
        foreach (var c in graph.Constants())
        {
            sb.Append("  const %").Append(c.Name).Append(": ").Append(c.Type).AppendLine();
        }

        foreach (var node in graph.Nodes)
        {
            sb.Append("  ").AppendJoin(", ", node.Outputs.Select(o => $"%{o.Name}: {o.Type}"))
              .Append(" = ").Append(FormatOp(node.Op))
              .Append('(').AppendJoin(", ", node.Inputs.Select(i => i is null ? "_" : "%" + i.Name)).Append(')');
            if (node.Name != node.Outputs.FirstOrDefault()?.Name)
            {
                sb.Append("  # ").Append(node.Name);
            }

            sb.AppendLine();
        }

        sb.Append("  return ").AppendJoin(", ", graph.Outputs.Select(v => "%" + v.Name)).AppendLine().Append('}').AppendLine();
        return sb.ToString();
    }

    /// <summary>The op name followed by its attributes, e.g. <c>Conv[Strides=[1,1], Group=1]</c>.</summary>
    public static string FormatOp(Op op)
    {
        var props = op.GetType().GetProperties()
            .Where(p => p.DeclaringType != typeof(Op) && p.GetIndexParameters().Length == 0 && p.Name is not ("Name" or "MinInputs" or "MaxInputs" or "EqualityContract"))
            .Select(p => $"{p.Name}={FormatValue(p.GetValue(op))}")
            .ToList();
        return props.Count == 0 ? op.Name : $"{op.Name}[{string.Join(", ", props)}]";
    }

    public static string FormatValue(object? value) => value switch
    {
        null => "null",
        string s => s,
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(FormatValue)) + "]",
        _ => value.ToString() ?? "",
    };
}
