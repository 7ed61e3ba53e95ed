using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using static MgeConvert.Formats.TorchScript.TorchScriptLiterals;

namespace MgeConvert.Formats.TorchScript;

internal sealed partial class TorchScriptEmitter
{
    private bool LowerUnary(Node node, Unary unary)
    {
        var x = X(node, 0);
        var expression = unary.Function switch
        {
            UnaryFunction.Not => Call("logical_not", x),
            UnaryFunction.Softplus => Call("softplus", x, "1", "20"),
            UnaryFunction.Softsign => Call("div", x, Call("add", Call("abs", x), "1")),
            UnaryFunction.HardSwish => Call("hardswish", x),
            UnaryFunction.Silu => Call("silu", x),
            _ => Call(unary.Function.ToString().ToLowerInvariant(), x),
        };
        return Single(node, expression);
    }

    private bool LowerBinary(Node node, Binary binary)
    {
        var a = node.Input(0);
        var b = node.Input(1);
        var inlinable = binary.Function is not (BinaryFunction.Max or BinaryFunction.Min or BinaryFunction.And or BinaryFunction.Or
            or BinaryFunction.Xor);
        var left = Ref(a);
        var right = inlinable && ScalarLiteral(b, a) is { } literal ? literal : Ref(b);
        var integer = !a.DType.IsQuantized && a.DType.Element.IsInteger();
        var logical = a.DType.Element == ElementType.Bool ? "logical" : "bitwise";
        var expression = binary.Function switch
        {
            BinaryFunction.Add => Call("add", left, right),
            BinaryFunction.Sub => Call("sub", left, right),
            BinaryFunction.Mul => Call("mul", left, right),
            BinaryFunction.Div when integer => $"torch.div({left}, {right}, rounding_mode=\"trunc\")",
            BinaryFunction.Div => Call("div", left, right),
            BinaryFunction.FloorDiv => $"torch.div({left}, {right}, rounding_mode=\"floor\")",
            BinaryFunction.Pow => Call("pow", left, right),
            BinaryFunction.Max => Call("maximum", left, right),
            BinaryFunction.Min => Call("minimum", left, right),
            BinaryFunction.Mod => Call("remainder", left, right),
            BinaryFunction.And => Call($"{logical}_and", left, right),
            BinaryFunction.Or => Call($"{logical}_or", left, right),
            BinaryFunction.Xor => Call($"{logical}_xor", left, right),
            BinaryFunction.Equal => Call("eq", left, right),
            BinaryFunction.Less => Call("lt", left, right),
            BinaryFunction.LessOrEqual => Call("le", left, right),
            BinaryFunction.Greater => Call("gt", left, right),
            BinaryFunction.GreaterOrEqual => Call("ge", left, right),
            _ => throw new NotExpressibleException($"binary function {binary.Function}"),
        };
        var y = Out(node);
        Let(y, expression);
        Activate(y, binary.Activation);
        return true;
    }

    /// <summary>
    /// A one-element float constant as a Python number, when that cannot change the result's shape or type
    /// (its rank does not exceed the other operand's and both are float).
    /// </summary>
    private static string? ScalarLiteral(Value value, Value other)
    {
        if (value.Constant is not { ElementCount: 1 } tensor || !other.Shape.HasRank || tensor.Shape.Rank > other.Shape.Rank
            || !tensor.DType.IsFloat || !(other.DType.IsFloat || other.DType.IsQuantized))
        {
            return null;
        }

        return Float(tensor.ToDoubles()[0]);
    }
}
