using MgeConvert.Formats;
using MgeConvert.Formats.Onnx;
using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;
using Google.Protobuf;

namespace MgeConvert.Tests.Onnx;

/// <summary>Small hand-made ONNX models for focused tests.</summary>
internal sealed class OnnxModels
{
    private readonly ModelProto _model;

    public OnnxModels(int opset)
    {
        _model = new ModelProto { IrVersion = 7, ProducerName = "tests", ProducerVersion = "1", Graph = new GraphProto { Name = "t" } };
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
    }

    public OnnxModels Input(string name, params long[] shape) => Input(name, ElementType.Float32, shape);

    public OnnxModels Input(string name, ElementType type, params long[] shape)
    {
        _model.Graph.Input.Add(Info(name, shape, type));
        return this;
    }

    public OnnxModels Output(string name, params long[] shape)
    {
        _model.Graph.Output.Add(Info(name, shape));
        return this;
    }

    public OnnxModels Initializer(string name, Tensor data)
    {
        _model.Graph.Initializer.Add(OnnxTensors.FromTensor(name, data));
        return this;
    }

    public OnnxModels Node(string opType, string name, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _model.Graph.Node.Add(node);
        return this;
    }

    public byte[] Bytes() => _model.ToByteArray();

    public ImportedModel Read() => OnnxReader.Read("test.onnx", Bytes());

    public static ModelProto Parse(byte[] bytes) => ModelProto.Parser.ParseFrom(bytes);

    public static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 8) - 4))];
    }

    private static ValueInfoProto Info(string name, long[] shape, ElementType type = ElementType.Float32)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = OnnxTensors.ToOnnx(type), Shape = new TensorShapeProto() };
        tensor.Shape.Dim.AddRange(shape.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }
}
