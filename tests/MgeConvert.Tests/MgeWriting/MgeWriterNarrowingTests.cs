using MgeConvert.Formats.Mge;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.MgeWriting;

/// <summary>MegEngine has no 64-bit types: the writer says what it narrowed, and what did not survive.</summary>
public class MgeWriterNarrowingTests
{
    [Fact]
    public void NarrowedConstantsAndInputsAreReported()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float64, new Shape(3));
        var big = b.Constant(new Tensor(DataType.Float64, new Shape(3), Bytes([1.5, 1e300, -1e300])));
        var ints = b.Constant(Tensor.FromInt64s(new Shape(2), [7, 1L << 40]));
        b.Output(b.Apply(new Binary(BinaryFunction.Add), x, big));
        b.Output(b.Apply(new Unary(UnaryFunction.Relu), b.Input("i", DataType.Int64, new Shape(2))));
        b.Output(b.Apply(new Binary(BinaryFunction.Add), b.Graph.Inputs[1], ints));

        using var temp = new Cli.TempDirectory();
        var writer = new MgeWriter();
        writer.Prepare(b.Graph, new ConversionOptions { Output = temp.File("n.mge") });

        string[] expected =
        [
            "input x: f64 is declared as float32 (MegEngine has no 64-bit types)",
            "input i: i64 is declared as int32 (MegEngine has no 64-bit types)",
            "1 float64 constant(s) written as float32; 2 value(s) beyond float32's range became ±inf",
            "1 int64 constant(s) written as int32; 1 value(s) outside int32's range were clamped",
        ];
        Assert.Equal(expected, writer.LastNotes);

        var tm = new TracedModuleWriter();
        tm.Prepare(b.Graph, new ConversionOptions { Output = temp.File("n.tm") });
        Assert.Equal(expected, tm.LastNotes);
    }

    [Fact]
    public void Float32GraphsHaveNoNotes()
    {
        var b = new GraphBuilder();
        b.Output(b.Apply(new Binary(BinaryFunction.Add), b.Input("x", DataType.Float32, new Shape(2)), b.Constant(Tensor.FromFloats(new Shape(2), 1, 2))));
        using var temp = new Cli.TempDirectory();
        var writer = new MgeWriter();
        writer.Prepare(b.Graph, new ConversionOptions { Output = temp.File("f.mge") });
        Assert.Empty(writer.LastNotes);
    }

    private static byte[] Bytes(double[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
