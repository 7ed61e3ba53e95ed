using Google.FlatBuffers;
using MgeConvert.Formats.Mge;
using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Formats.Mge.Fbs.V2;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.Mge;

/// <summary>
/// The <c>mgbtest0</c> wrapper (docs/mge-format.md §11.3): "mgbtest0", u32 count, the model, then per test
/// case a graph of one SharedDeviceTensor per model input, in input-name order.
/// </summary>
public class MgeTestCaseWrapperTests
{
    [Fact]
    public void ReadsModelAndEmbeddedInputs()
    {
        var c = FixtureCorpus.Load("nets/multi_io_mgv2");
        var inputs = c.Inputs.OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        using var file = new MemoryStream();
        file.Write("mgbtest0"u8);
        file.Write(BitConverter.GetBytes(1u));
        file.Write(File.ReadAllBytes(c.ModelPath));
        file.Write(TestCaseGraph(inputs));

        var model = new MgeReader().Read("wrapped.mge", file.ToArray(), new ConversionOptions());

        Assert.Equal(2, model.Graph.Inputs.Count);
        Assert.Equal(2, model.Graph.Outputs.Count);
        foreach (var (name, data) in inputs)
        {
            Assert.True(model.EmbeddedInputs.TryGetValue(name, out var embedded), $"input {name} not embedded");
            Assert.Equal(data.Shape, embedded!.Shape);
            Assert.Equal(data.Bytes.ToArray(), embedded.Bytes.ToArray());
        }
    }

    private static byte[] TestCaseGraph(IReadOnlyList<(string Name, MgeConvert.Ir.Tensor Data)> inputs)
    {
        var fb = new FlatBufferBuilder(1024);
        var ops = new List<Offset<Operator>>();
        var middle = new List<Offset<MiddleTensor>>();
        var outputs = new List<Offset<OutputVar>>();
        for (var i = 0; i < inputs.Count; i++)
        {
            var (name, data) = inputs[i];
            var tensor = Tensor.CreateTensor(fb,
                fb.CreateString(name),
                Tensor.CreateShapeVector(fb, [.. data.Shape.Select(d => (uint)d)]),
                CompNode.CreateCompNode(fb, fb.CreateString("cpux")),
                DType.CreateDType(fb),
                TensorFormat.DefaultTensorFormat,
                DefaultTensorFormat.EndDefaultTensorFormat(StartDefault(fb)).Value,
                Tensor.CreateDataVector(fb, data.Bytes.ToArray()));
            ops.Add(Operator.CreateOperator(fb,
                fb.CreateString("SharedDeviceTensor"),
                MgeOperatorTypes.Hash("SharedDeviceTensor", withNul: false),
                outputsOffset: Operator.CreateOutputsVector(fb, [(uint)i]),
                tensorsOffset: Operator.CreateTensorsVector(fb, [tensor]),
                opr_version: 1));
            middle.Add(MiddleTensor.CreateMiddleTensor(fb, fb.CreateString(name)));
            outputs.Add(OutputVar.CreateOutputVar(fb, (uint)i, (uint)i));
        }

        var model = Model.CreateModel(fb,
            mge_version: 1099900,
            model_version: 2,
            oprsOffset: Model.CreateOprsVector(fb, [.. ops]),
            middle_tensorsOffset: Model.CreateMiddleTensorsVector(fb, [.. middle]),
            output_vars_idxOffset: Model.CreateOutputVarsIdxVector(fb, [.. outputs]),
            output_aliasOffset: Model.CreateOutputAliasVector(fb, []));
        Model.FinishSizePrefixedModelBuffer(fb, model);
        return fb.SizedByteArray();
    }

    private static FlatBufferBuilder StartDefault(FlatBufferBuilder fb)
    {
        DefaultTensorFormat.StartDefaultTensorFormat(fb);
        return fb;
    }
}
