using Google.FlatBuffers;
using MgeConvert.Formats;
using MgeConvert.Formats.TFLite;
using MgeConvert.Formats.TFLite.Schema;
using MgeConvert.Ir;
using MgeConvert.IO;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Reference;
using MgeConvert.Tests.EndToEnd;
using MgeConvert.Tests.Support;
using Xunit.Abstractions;
using Tensor = MgeConvert.Ir.Tensor;
using TensorType = MgeConvert.Formats.TFLite.Schema.TensorType;

namespace MgeConvert.Tests.TFLite;

/// <summary>
/// The TFLite target flags change the written model as documented, and the changed model still computes
/// in LiteRT what the (changed) IR graph computes.
/// </summary>
public sealed class TFLiteFlagTests(ITestOutputHelper output)
{
    [Fact]
    public void RemoveReluDropsEveryReluAndTheModelComputesTheReluFreeGraph()
    {
        var plain = Convert("ops_tm/convrelu", ModelFormat.TracedModule, p => new ConversionOptions { Output = p });
        var removed = Convert("ops_tm/convrelu", ModelFormat.TracedModule, p => new ConversionOptions { Output = p, RemoveRelu = true });

        Assert.True(CountRelus(plain.Model) > 0);
        Assert.Equal(0, CountRelus(removed.Model));
        var values = RunAgainstReference(removed);
        Assert.Contains(values, v => v < 0);
    }

    [Fact]
    public void RemoveReluOnAQatModelKeepsTheIntegerModel()
    {
        var removed = Convert("quant/qconvbnrelu_pool_qat_tm", ModelFormat.TracedModule, p => new ConversionOptions { Output = p, RemoveRelu = true, RequireQuantize = true });

        Assert.Equal(0, CountRelus(removed.Model));
        Assert.Empty(QuantizedTfliteTests.IntegerProblems(removed.Model));
    }

    [Fact]
    public void DisableNhwcKeepsLayoutFreeOpsChannelsFirst()
    {
        var nhwc = Convert("nets/resnet_tiny_tm", ModelFormat.TracedModule, p => new ConversionOptions { Output = p });
        var nchw = Convert("nets/resnet_tiny_tm", ModelFormat.TracedModule, p => new ConversionOptions { Output = p, DisableNhwc = true });

        output.WriteLine($"default: {string.Join(" ", nhwc.Notes)}; --disable_nhwc: {string.Join(" ", nchw.Notes)}");
        Assert.Equal(0, nhwc.Report.InternalTransposes);
        Assert.True(nchw.Report.InternalTransposes > 0);
        var add = Operators(nchw.Model).First(o => o.Code == BuiltinOperator.ADD);
        var irAdd = nchw.Graph.Nodes.First(n => n.Op is Binary { Function: BinaryFunction.Add }).Output.Shape.ToIntArray();
        Assert.Equal(irAdd, add.Output.GetShapeArray());
        RunAgainstFixture(nchw);
    }

    [Fact]
    public void Int64BiasAppliesToSixteenBitActivationsOnlyAndIsReported()
    {
        var model = Convert("quant/qconv_qat_tm", ModelFormat.TracedModule, p => new ConversionOptions { Output = p, RequireQuantize = true, UseInt64Bias = true });

        var conv = Operators(model.Model).Single(o => o.Code == BuiltinOperator.CONV_2D);
        Assert.Equal(TensorType.INT32, conv.Inputs[2].Type);
        Assert.Contains(model.Notes, n => n.Contains("--use_int64_bias", StringComparison.Ordinal));
        RunAgainstFixture(model);
    }

    [Theory]
    [InlineData("qint8", 0.125f, 0L)]
    [InlineData("quint8", 0.125f, 128L)]
    public void IntegerInputsWhenAnInputDataTypeIsGiven(string dtype, float scale, long zeroPoint)
    {
        ConversionOptions Options(string path) => new()
        {
            Output = path,
            RequireQuantize = true,
            InputDataType = dtype,
            InputScales = [scale],
            InputZeroPoints = [zeroPoint],
        };
        var model = Convert("quant/qconv_qat_tm", ModelFormat.TracedModule, Options);

        var unsigned = dtype == "quint8";
        var g = Model.GetRootAsModel(new ByteBuffer(model.Model)).Subgraphs(0)!.Value;
        var input = g.Tensors(g.Inputs(0))!.Value;
        Assert.Equal(unsigned ? TensorType.UINT8 : TensorType.INT8, input.Type);
        Assert.Equal(scale, input.Quantization!.Value.Scale(0));
        Assert.Equal(zeroPoint, input.Quantization!.Value.ZeroPoint(0));
        Assert.DoesNotContain(Operators(model.Model), o => o.Inputs.Any(t => t.Type == TensorType.FLOAT32 && t.Name == input.Name));
        Assert.Empty(QuantizedTfliteTests.IntegerProblems(model.Model));

        var x = model.Graph.Inputs[0];
        var real = FixtureCorpus.Load("quant/qconv_qat_tm").Inputs[0].Data.ToFloats();
        var stored = real.Select(v => Math.Clamp(Math.Round(v / scale, MidpointRounding.AwayFromZero) + zeroPoint, unsigned ? 0 : -128, unsigned ? 255 : 127)).ToArray();
        var tensor = unsigned
            ? Tensor.Create(x.DType, x.Shape, stored.Select(v => (byte)v).ToArray())
            : Tensor.Create(x.DType, x.Shape, stored.Select(v => (sbyte)v).ToArray());
        var expected = ReferenceInterpreter.Run(model.Graph, new Dictionary<string, Tensor> { [x.Name] = tensor })[model.Graph.Outputs[0].Name].ToDoubles();
        var result = LiteRtOracle.Run([new LiteRtRun(model.Path, [(dtype.TrimStart('q'), x.Shape.ToIntArray(), stored)])])[0];
        Assert.Null(result.Error);
        var step = model.Graph.Outputs[0].Producer!.Input(0).DType.Quant!.Scale;
        AssertClose(expected, result.Outputs[0].Data, step * 1.0001);
    }

    [Fact]
    public void GraphNameAndOutspecAreHonoured()
    {
        var model = Convert("nets/conv_bn_relu_pool_linear_tm", ModelFormat.TracedModule, p => new ConversionOptions { Output = p, GraphName = "my_graph" });
        var first = model.Graph.Nodes[0].Output.Name;
        var cut = Convert("nets/conv_bn_relu_pool_linear_tm", ModelFormat.TracedModule, p => new ConversionOptions { Output = p, EndPoints = [first] });

        var g = Model.GetRootAsModel(new ByteBuffer(model.Model)).Subgraphs(0)!.Value;
        Assert.Equal("my_graph", g.Name);
        var cg = Model.GetRootAsModel(new ByteBuffer(cut.Model)).Subgraphs(0)!.Value;
        Assert.Equal(1, cg.OutputsLength);
        Assert.Equal(first, cg.Tensors(cg.Outputs(0))!.Value.Name);
        Assert.True(cg.OperatorsLength < g.OperatorsLength);
        RunAgainstReference(cut);
    }

    [Fact]
    public void MtkWritesTransposedConvolutionAsTheMtkCustomOp()
    {
        var plain = Convert("ops_tm/conv2d_tflite_transpose", ModelFormat.TracedModule, p => new ConversionOptions { Output = p });
        var mtk = Convert("ops_tm/conv2d_tflite_transpose", ModelFormat.TracedModule, p => new ConversionOptions { Output = p, Mtk = true });

        var deconvs = Operators(plain.Model).Count(o => o.Code == BuiltinOperator.TRANSPOSE_CONV);
        Assert.True(deconvs > 0);
        var ops = Operators(mtk.Model);
        Assert.DoesNotContain(ops, o => o.Code == BuiltinOperator.TRANSPOSE_CONV);
        var custom = ops.Where(o => o.Code == BuiltinOperator.CUSTOM).ToList();
        Assert.Equal(deconvs, custom.Count);
        Assert.All(custom, o =>
        {
            Assert.Equal("MTK_TRANSPOSE_CONV", o.CustomCode);
            Assert.Equal(CustomOptionsFormat.FLEXBUFFERS, o.Raw.CustomOptionsFormat);
            Assert.Equal(4, o.Inputs.Count);
        });
        var decoded = FlexBufferDecoder.Decode([.. custom.Select(o => o.Raw.GetCustomOptionsArray())]);
        var plainOptions = Operators(plain.Model).Where(o => o.Code == BuiltinOperator.TRANSPOSE_CONV)
            .Select(o => o.Raw.BuiltinOptionsAsTransposeConvOptions()).ToList();
        for (var i = 0; i < custom.Count; i++)
        {
            var map = decoded[i];
            output.WriteLine(map.GetRawText());
            Assert.Equal(7, map.EnumerateObject().Count());
            Assert.Equal((int)plainOptions[i].Padding, map.GetProperty("PaddingType").GetInt32());
            Assert.Equal(plainOptions[i].StrideH, map.GetProperty("stride_height").GetInt32());
            Assert.Equal(plainOptions[i].StrideW, map.GetProperty("stride_width").GetInt32());
            Assert.Equal((int)plainOptions[i].FusedActivationFunction, map.GetProperty("activation").GetInt32());
            Assert.Equal(1, map.GetProperty("depth_multiplier").GetInt32());
            Assert.Equal(1, map.GetProperty("dilation_height_factor").GetInt32());
            Assert.Equal(1, map.GetProperty("dilation_width_factor").GetInt32());
        }

        Assert.Equal(deconvs, mtk.Report.OperatorCounts["MTK_TRANSPOSE_CONV"]);
    }

    [Fact]
    public void MtkWritesGlobalPoolingAsAWholeInputWindowWithStrideOne()
    {
        var plain = Convert("nets/resnet_tiny_tm", ModelFormat.TracedModule, p => new ConversionOptions { Output = p });
        var mtk = Convert("nets/resnet_tiny_tm", ModelFormat.TracedModule, p => new ConversionOptions { Output = p, Mtk = true });

        Assert.Contains(Operators(plain.Model), o => o.Code == BuiltinOperator.MEAN);
        var ops = Operators(mtk.Model);
        Assert.DoesNotContain(ops, o => o.Code == BuiltinOperator.MEAN);
        Assert.Contains(ops, o => o.Code == BuiltinOperator.AVERAGE_POOL_2D
            && o.Raw.BuiltinOptionsAsPool2DOptions() is { StrideW: 1, StrideH: 1 } pool
            && pool.FilterHeight == o.Inputs[0].GetShapeArray()[1] && pool.FilterWidth == o.Inputs[0].GetShapeArray()[2]);
        RunAgainstFixture(mtk);
    }

    [Fact]
    public void PreferSamePadModeTakesSamePaddingWhereTheOutputHasSamesSize()
    {
        var plain = Convert("nets/resnet_tiny_tm", ModelFormat.TracedModule, p => new ConversionOptions { Output = p });
        var same = Convert("nets/resnet_tiny_tm", ModelFormat.TracedModule, p => new ConversionOptions { Output = p, PreferSamePadMode = true });

        var plainPads = Operators(plain.Model).Count(o => o.Code == BuiltinOperator.PAD);
        var samePads = Operators(same.Model).Count(o => o.Code == BuiltinOperator.PAD);
        output.WriteLine($"PAD operators: {plainPads} by default, {samePads} with --prefer_same_pad_mode");
        Assert.True(samePads < plainPads);

        // SAME pads (total / 2) at the start and the rest at the end: the IR graph with those pads is what LiteRT computes.
        foreach (var node in same.Graph.Nodes.Where(n => n.Op is Conv))
        {
            var conv = (Conv)node.Op;
            var x = node.Input(0).Shape;
            var k = node.Input(1).Shape;
            var pads = (long[])conv.Pads.Clone();
            var sameSize = true;
            for (var i = 0; i < 2; i++)
            {
                var effective = (conv.Dilations[i] * (k[i + 2] - 1)) + 1;
                var outSame = (x[i + 2] + conv.Strides[i] - 1) / conv.Strides[i];
                var total = Math.Max(((outSame - 1) * conv.Strides[i]) + effective - x[i + 2], 0);
                sameSize &= node.Output.Shape[i + 2] == outSame;
                (pads[i], pads[i + 2]) = (total / 2, total - (total / 2));
            }

            if (sameSize && conv.Pads.Any(p => p != 0))
            {
                node.Op = conv with { Pads = pads };
            }
        }

        var values = RunAgainstReference(same);
        Assert.Contains(values, v => v != 0);
    }

    internal sealed record Written(string Path, byte[] Model, Graph Graph, FixtureCase Fixture, TFLiteWriteReport Report, IReadOnlyList<string> Notes);

    internal sealed record Op(BuiltinOperator Code, string CustomCode, List<Formats.TFLite.Schema.Tensor> Inputs, Formats.TFLite.Schema.Tensor Output, Operator Raw);

    internal static Written Convert(string fixtureId, ModelFormat from, Func<string, ConversionOptions> optionsFor)
    {
        var fixture = FixtureCorpus.Load(fixtureId);
        var path = Path.Combine(Path.GetTempPath(), $"mgeconvert-flags-{Guid.NewGuid():N}.tflite");
        var options = optionsFor(path);
        var graph = new Converter().Read(fixture.ModelPath, from, options).Graph;
        PassPipeline.Standard(ModelFormat.TFLite, options).Run(graph);
        var writer = new TFLiteWriter();
        var file = writer.Prepare(graph, options).Single();
        AtomicFile.Write(file.Path, file.WriteTo);
        return new Written(path, File.ReadAllBytes(path), graph, fixture, writer.LastReport!, writer.LastNotes);
    }

    internal static List<Op> Operators(byte[] model)
    {
        var m = Model.GetRootAsModel(new ByteBuffer(model));
        var g = m.Subgraphs(0)!.Value;
        var ops = new List<Op>();
        for (var i = 0; i < g.OperatorsLength; i++)
        {
            var op = g.Operators(i)!.Value;
            var code = m.OperatorCodes((int)op.OpcodeIndex)!.Value;
            var inputs = Enumerable.Range(0, op.InputsLength).Select(k => op.Inputs(k)).Where(t => t >= 0).Select(t => g.Tensors(t)!.Value).ToList();
            ops.Add(new Op(code.BuiltinCode, code.CustomCode ?? "", inputs, g.Tensors(op.Outputs(0))!.Value, op));
        }

        return ops;
    }

    private static int CountRelus(byte[] model) => Operators(model).Count(o => o.Code is BuiltinOperator.RELU || FusedRelu(o));

    private static bool FusedRelu(Op op) => op.Code switch
    {
        BuiltinOperator.CONV_2D => op.Raw.BuiltinOptionsAsConv2DOptions().FusedActivationFunction == ActivationFunctionType.RELU,
        BuiltinOperator.DEPTHWISE_CONV_2D => op.Raw.BuiltinOptionsAsDepthwiseConv2DOptions().FusedActivationFunction == ActivationFunctionType.RELU,
        BuiltinOperator.FULLY_CONNECTED => op.Raw.BuiltinOptionsAsFullyConnectedOptions().FusedActivationFunction == ActivationFunctionType.RELU,
        BuiltinOperator.ADD => op.Raw.BuiltinOptionsAsAddOptions().FusedActivationFunction == ActivationFunctionType.RELU,
        BuiltinOperator.TRANSPOSE_CONV => op.Raw.BuiltinOptionsAsTransposeConvOptions().FusedActivationFunction == ActivationFunctionType.RELU,
        _ => false,
    };

    /// <summary>Runs the model on the fixture's inputs and compares with the IR reference of the converted graph.</summary>
    private static double[] RunAgainstReference(Written w)
    {
        var inputs = w.Graph.Inputs.Select((v, k) => (v, w.Fixture.Inputs[k].Data)).ToList();
        var expected = ReferenceInterpreter.Run(w.Graph, inputs.ToDictionary(p => p.v.Name, p => p.Data))[w.Graph.Outputs[0].Name].ToDoubles();
        var result = LiteRtOracle.Run([new LiteRtRun(w.Path, [.. inputs.Select(p => ("float32", p.v.Shape.ToIntArray(), p.Data.ToDoubles()))])])[0];
        Assert.Null(result.Error);
        AssertClose(expected, result.Outputs[0].Data, 1e-4);
        return result.Outputs[0].Data;
    }

    private static void RunAgainstFixture(Written w)
    {
        var inputs = w.Graph.Inputs.Select((v, k) => (TFLiteWriterTests.JsType(v.DType), v.Shape.ToIntArray(), w.Fixture.Inputs[k].Data.ToDoubles())).ToList();
        var result = LiteRtOracle.Run([new LiteRtRun(w.Path, inputs)])[0];
        Assert.Null(result.Error);
        var actual = result.Outputs.Select(o => Tensor.Create(DataType.Float64, new Shape(o.Data.Length), o.Data)).ToList();
        Assert.Empty(FixtureComparison.Compare(w.Fixture, w.Graph, actual));
    }

    private static void AssertClose(double[] expected, double[] actual, double atol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= atol + (1e-4 * Math.Abs(expected[i])), $"[{i}] {actual[i]} vs {expected[i]}");
        }
    }
}
