using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using static MgeConvert.Tests.Support.OpRunner;

namespace MgeConvert.Tests.Reference;

public class CastKernelTests
{
    private static readonly DataType QInt8 = DataType.Quantized(ElementType.Int8, 0.5f, 1);

    [Fact]
    public void FloatValuesCarryingQuantParamsStayFloat()
    {
        var annotated = new DataType(ElementType.Float32, new QuantParams(0.5f));
        var y = Run(new Cast(annotated), F(0.3f, -1.7f));
        Assert.Equal([0.3f, -1.7f], y.ToFloats());
    }

    [Fact]
    public void QuantizeRoundsHalfToEvenAndSaturates()
    {
        // x/scale = [0.5, 1.5, -0.5, 2.5, 200, -200] → [0, 2, -0, 2, 200, -200], + zero point 1, clamped to int8.
        var q = Run(new Cast(QInt8), F(0.25f, 0.75f, -0.25f, 1.25f, 100, -100));
        Assert.Equal(QInt8, q.DType);
        Assert.Equal([1L, 3, 1, 3, 127, -128], q.ToInt64s());
    }

    [Fact]
    public void DequantizeAndRequantize()
    {
        var q = Tensor.Create(QInt8, Shape.Of(3), new sbyte[] { 1, 5, -127 });
        AssertValues(Run(new Cast(DataType.Float32), q), 0, 2, -64);
        var u8 = DataType.Quantized(ElementType.UInt8, 0.25f, 128);
        Assert.Equal([128L, 136, 0], Run(new Cast(u8), q).ToInt64s());
    }

    [Fact]
    public void PerChannelQuantization()
    {
        var perChannel = new DataType(ElementType.Int8, new QuantParams([0.5f, 2f], [0, 0], 0));
        var q = Run(new Cast(perChannel), F([2, 2], 1, -1, 4, 5));
        Assert.Equal([2L, -2, 2, 2], q.ToInt64s());
        AssertValues(Run(new Cast(DataType.Float32), q), 1, -1, 4, 4);
    }

    [Fact]
    public void FloatToIntegerTruncatesAndIntegersWrap()
    {
        Assert.Equal([-1L, 2, 0], Run(new Cast(DataType.Int32), F(-1.7f, 2.9f, 0.2f)).ToInt64s());
        Assert.Equal([44L, -1], Run(new Cast(DataType.Int8), Tensor.FromInt64s(Shape.Of(2), 300, 255)).ToInt64s());
        Assert.Equal(new byte[] { 1, 0, 1 }, Run(new Cast(DataType.Bool), F(0.5f, 0, -2)).Bytes.ToArray());
        AssertValues(Run(new Cast(DataType.Float16), F(1.0009765625f, 65504)), 1.0009765625, 65504);
        var large = Run(new Cast(DataType.Float64), Tensor.FromInt64s(Shape.Of(1), 1L << 53));
        Assert.Equal(9007199254740992.0, large.Span<double>()[0]);
    }
}
