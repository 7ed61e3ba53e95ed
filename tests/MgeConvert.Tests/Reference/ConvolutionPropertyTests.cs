using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Reference;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Reference;

/// <summary>Random 2-D configurations against the textbook definitions, evaluated element by element.</summary>
public class ConvolutionPropertyTests
{
    private sealed record Config(int Batch, int Group, int InPerGroup, int OutPerGroup, int H, int W, int KH, int KW,
        int SH, int SW, int DH, int DW, int[] Pads)
    {
        public static Config Random(Random r) => new(r.Next(1, 3), r.Next(1, 3), r.Next(1, 3), r.Next(1, 3), r.Next(4, 8), r.Next(4, 8),
            r.Next(1, 4), r.Next(1, 4), r.Next(1, 3), r.Next(1, 3), r.Next(1, 3), r.Next(1, 3), [r.Next(0, 3), r.Next(0, 3), r.Next(0, 3), r.Next(0, 3)]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void ConvMatchesDefinition(int seed)
    {
        var r = new Random(seed);
        var c = Config.Random(r);
        var cin = c.Group * c.InPerGroup;
        var cout = c.Group * c.OutPerGroup;
        var x = GraphCheck.RandomFloats(r, Shape.Of(c.Batch, cin, c.H, c.W));
        var w = GraphCheck.RandomFloats(r, Shape.Of(cout, c.InPerGroup, c.KH, c.KW));
        var bias = GraphCheck.RandomFloats(r, Shape.Of(cout));
        var op = new Conv([c.SH, c.SW], [.. c.Pads.Select(p => (long)p)], [c.DH, c.DW], c.Group);
        var actual = OpRunner.Run(op, x, w, bias);

        var (xv, wv, bv) = (TensorValues.Reals(x), TensorValues.Reals(w), TensorValues.Reals(bias));
        var (oh, ow) = ((int)actual.Shape[2], (int)actual.Shape[3]);
        var expected = new double[actual.ElementCount];
        for (var n = 0; n < c.Batch; n++)
        {
            for (var oc = 0; oc < cout; oc++)
            {
                for (var i = 0; i < oh; i++)
                {
                    for (var j = 0; j < ow; j++)
                    {
                        var sum = bv[oc];
                        for (var ic = 0; ic < c.InPerGroup; ic++)
                        {
                            for (var a = 0; a < c.KH; a++)
                            {
                                for (var e = 0; e < c.KW; e++)
                                {
                                    var y = (i * c.SH) - c.Pads[0] + (a * c.DH);
                                    var xx = (j * c.SW) - c.Pads[1] + (e * c.DW);
                                    if (y >= 0 && y < c.H && xx >= 0 && xx < c.W)
                                    {
                                        var channel = (oc / c.OutPerGroup * c.InPerGroup) + ic;
                                        sum += xv[(((((n * cin) + channel) * c.H) + y) * c.W) + xx] * wv[(((((oc * c.InPerGroup) + ic) * c.KH) + a) * c.KW) + e];
                                    }
                                }
                            }
                        }

                        expected[(((((n * cout) + oc) * oh) + i) * ow) + j] = sum;
                    }
                }
            }
        }

        OpRunner.AssertValues(actual, expected);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void ConvTransposeMatchesDefinition(int seed)
    {
        var r = new Random(seed + 100);
        var c = Config.Random(r);
        var cin = c.Group * c.InPerGroup;
        var cout = c.Group * c.OutPerGroup;
        long[] outputPadding = [r.Next(0, c.SH), r.Next(0, c.SW)];
        var x = GraphCheck.RandomFloats(r, Shape.Of(c.Batch, cin, c.H, c.W));
        var w = GraphCheck.RandomFloats(r, Shape.Of(cin, c.OutPerGroup, c.KH, c.KW));
        var pads = c.Pads.Select(p => (long)Math.Min(p, 1)).ToArray();
        var op = new ConvTranspose([c.SH, c.SW], pads, [c.DH, c.DW], c.Group, outputPadding);
        var actual = OpRunner.Run(op, x, w);

        var (xv, wv) = (TensorValues.Reals(x), TensorValues.Reals(w));
        var (oh, ow) = ((int)actual.Shape[2], (int)actual.Shape[3]);
        var expected = new double[actual.ElementCount];
        for (var n = 0; n < c.Batch; n++)
        {
            for (var ic = 0; ic < cin; ic++)
            {
                for (var i = 0; i < c.H; i++)
                {
                    for (var j = 0; j < c.W; j++)
                    {
                        for (var oc = 0; oc < c.OutPerGroup; oc++)
                        {
                            for (var a = 0; a < c.KH; a++)
                            {
                                for (var e = 0; e < c.KW; e++)
                                {
                                    var y = (i * c.SH) - (int)pads[0] + (a * c.DH);
                                    var xx = (j * c.SW) - (int)pads[1] + (e * c.DW);
                                    if (y >= 0 && y < oh && xx >= 0 && xx < ow)
                                    {
                                        var channel = (ic / c.InPerGroup * c.OutPerGroup) + oc;
                                        expected[(((((n * cout) + channel) * oh) + y) * ow) + xx] +=
                                            xv[(((((n * cin) + ic) * c.H) + i) * c.W) + j] * wv[(((((ic * c.OutPerGroup) + oc) * c.KH) + a) * c.KW) + e];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        OpRunner.AssertValues(actual, expected);
    }
}
