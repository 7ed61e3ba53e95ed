using MgeConvert.Formats;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;
using MgeConvert.Passes;
using MgeConvert.Reference;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Passes;

public class PassPipelineTests
{
    private sealed class DropFirstNode : IPass
    {
        public string Name => "DropFirstNode";

        public string Description => "Deliberately breaks the graph.";

        public void Run(Graph graph, PassContext context) => graph.Nodes.RemoveAt(0);
    }

    [Fact]
    public void StandardOrdersPerTarget()
    {
        string[] onnx = ["RemoveIdentity", "FoldConstants", "FoldChannelBiasIntoConv", "FoldBiasIntoGemm", "FuseMinMaxIntoClip", "FuseLeakyRelu", "FuseSoftmax", "FuseBatchNormIntoConv", "ConcatQuantizedValues", "EliminateDeadCode"];
        Assert.Equal(onnx, PassPipeline.Standard("onnx").Passes.Select(p => p.Name));
        Assert.Equal(onnx, PassPipeline.Standard(ModelFormat.TorchScript).Passes.Select(p => p.Name));
        Assert.Equal(onnx.Where(p => p != "FuseBatchNormIntoConv"), PassPipeline.Standard(ModelFormat.Onnx, new ConversionOptions { KeepBatchNorm = true }).Passes.Select(p => p.Name));
        Assert.Equal(["RemoveIdentity", "FoldConstants", "FoldChannelBiasIntoConv", "FoldBiasIntoGemm", "FuseMinMaxIntoClip", "FuseLeakyRelu", "FuseSoftmax", "EliminateDeadCode"],
            PassPipeline.Standard("caffe").Passes.Select(p => p.Name));
        Assert.Equal(["RemoveIdentity", "FoldConstants", "FoldChannelBiasIntoConv", "FoldBiasIntoGemm", "FuseMinMaxIntoClip", "FuseLeakyRelu", "FuseSoftmax", "FuseBatchNormIntoConv", "ExpandBatchNorm",
            "FuseActivation", "EliminateDeadCode"], PassPipeline.Standard("tflite").Passes.Select(p => p.Name));
        Assert.Equal(["RemoveIdentity", "FoldConstants", "Decompose3dConvolution", "Decompose3dPooling", "EliminateDeadCode"], PassPipeline.Standard("mge").Passes.Select(p => p.Name));
        Assert.All(PassPipeline.Standard("tflite").Passes, p => Assert.False(string.IsNullOrWhiteSpace(p.Description)));
        Assert.Contains(PassPipeline.Standard(ModelFormat.Caffe, new ConversionOptions { FuseBn = true }).Passes, p => p is FuseBatchNormIntoConv);
        Assert.Throws<ArgumentException>(() => PassPipeline.Standard("keras"));
    }

    [Fact]
    public void StandardTflitePipelineReportsEachPassAndKeepsNumbers()
    {
        var b = new GraphBuilder("net");
        var x = b.Input("x", DataType.Float32, Shape.Of(1, 3, 6, 6));
        var w = b.Constant("w", GraphCheck.RandomFloats(new Random(7), Shape.Of(4, 3, 3, 3)));
        var id = b.Apply(new Identity(), x);
        var conv = b.Apply(new Conv([2, 2], [1, 1, 1, 1], [1, 1]), id, w);
        var bn = b.Apply(new BatchNorm(), [conv, .. BatchNormParameters.Constants(b, 4, seed: 2)]);
        var relu = b.Apply(new Unary(UnaryFunction.Relu), bn);
        var bn2 = b.Apply(new BatchNorm(), [relu, .. BatchNormParameters.Constants(b, 4, seed: 3)]);
        var half = b.Apply(new Binary(BinaryFunction.Div), b.Constant(Tensor.Scalar(1)), b.Constant(Tensor.Scalar(2)));
        var scaled = b.Apply(new Binary(BinaryFunction.Mul), bn2, half);
        b.Apply(new Unary(UnaryFunction.Exp), scaled);
        b.Output(b.ApplyNamed("drop", ["out"], new Dropout(), scaled)[0]);

        var inputs = GraphCheck.RandomInputs(b.Graph);
        var before = ReferenceInterpreter.Run(b.Graph, inputs);
        var report = PassPipeline.Standard("tflite").Run(b.Graph);
        GraphCheck.AssertSameOutputs(before, ReferenceInterpreter.Run(b.Graph, inputs));

        Assert.Equal(9, report["RemoveIdentity"].NodesBefore);
        Assert.Equal(7, report["RemoveIdentity"].NodesAfter);
        Assert.Equal(-1, report["FoldConstants"].OpCountChanges["Div"]);
        // The batch norm after the convolution is left to the TFLite writer, which folds it while serializing the weight.
        Assert.False(report["FuseBatchNormIntoConv"].OpCountChanges.ContainsKey("BatchNorm"));
        Assert.Equal(1, report["ExpandBatchNorm"].OpCountChanges["Add"]);
        Assert.False(report["FuseActivation"].OpCountChanges.ContainsKey("Relu"));
        Assert.Equal(-1, report["EliminateDeadCode"].OpCountChanges["Exp"]);
        Assert.Equal(["Conv", "BatchNorm", "Relu", "Mul", "Add", "Mul"], b.Graph.Nodes.Select(n => n.Op.Name));
        Assert.True(FuseBatchNormIntoConv.WriterFoldsIntoConv(b.Graph, b.Graph.Nodes[1], b.Graph.Consumers()));
        Assert.Equal("out", b.Graph.Outputs[0].Name);
        Assert.Contains("FuseBatchNormIntoConv", report.ToString());
    }

    [Fact]
    public void ValidationNamesThePassThatBrokeTheGraph()
    {
        var b = new GraphBuilder("g");
        var x = b.Input("x", DataType.Float32, Shape.Of(2));
        var y = b.Apply(new Unary(UnaryFunction.Exp), x);
        b.Output(b.Apply(new Unary(UnaryFunction.Log), y));
        var error = Assert.Throws<IrException>(() => new PassPipeline(new DropFirstNode()) { ValidateAfterEachPass = true }.Run(b.Graph));
        Assert.Contains("DropFirstNode", error.Message);
    }
}
