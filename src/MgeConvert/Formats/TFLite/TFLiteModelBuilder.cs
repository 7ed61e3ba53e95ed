using System.Runtime.InteropServices;
using Google.FlatBuffers;
using MgeConvert.Formats.TFLite.Schema;
using FbTensor = MgeConvert.Formats.TFLite.Schema.Tensor;

namespace MgeConvert.Formats.TFLite;

/// <summary>Collects the tensors and operators of one subgraph and serializes them as a TFLite model.</summary>
internal sealed class TFLiteModelBuilder
{
    public const int SchemaVersion = 3;

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public List<TFLiteTensor> Tensors { get; } = [];

    public List<TFLiteOperator> Operators { get; } = [];

    public List<int> Inputs { get; } = [];

    public List<int> Outputs { get; } = [];

    public TFLiteTensor AddTensor(string name, TensorType type, int[] shape, TFLiteQuantization? quantization = null,
        ConstantBytes? data = null, int[]? signature = null)
    {
        var tensor = new TFLiteTensor(Tensors.Count, UniqueName(name), type, shape, quantization, data) { Signature = signature };
        Tensors.Add(tensor);
        return tensor;
    }

    public TFLiteTensor AddInt32Constant(string name, int[] shape, params int[] values) =>
        AddTensor(name, TensorType.INT32, shape, null, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public TFLiteTensor AddInt32Vector(string name, params int[] values) => AddInt32Constant(name, [values.Length], values);

    public TFLiteTensor AddFloatConstant(string name, int[] shape, params float[] values) =>
        AddTensor(name, TensorType.FLOAT32, shape, null, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public void AddOperator(BuiltinOperator code, int[] inputs, int[] outputs, BuiltinOptions optionsType = BuiltinOptions.NONE,
        Func<FlatBufferBuilder, int>? options = null) =>
        Operators.Add(new TFLiteOperator(code, inputs, outputs, optionsType, options));

    public void AddCustomOperator(string customCode, int[] inputs, int[] outputs, byte[] flexBufferOptions) =>
        Operators.Add(new TFLiteOperator(BuiltinOperator.CUSTOM, inputs, outputs, BuiltinOptions.NONE, null)
        {
            CustomCode = customCode,
            CustomOptions = flexBufferOptions,
        });

    /// <summary>Constants from this size on are reserved in the builder and streamed in when the model is written.</summary>
    private const int StreamedPayloadSize = 4096;

    /// <summary>The schema asks for 16-byte aligned buffer data (force_align), which the generated C# ignores.</summary>
    private const int BufferAlignment = 16;

    /// <summary>The finished model: the builder's buffer with holes for the large constants (see <see cref="IO.HollowBuffer"/>).</summary>
    public IO.HollowBuffer Serialize(string graphName, string description)
    {
        // Sized for all weights up front (growing copies everything written so far); the pages of the holes are never touched.
        var payload = Tensors.Sum(t => (long)(t.Data?.Length ?? 0) + 16) + (Tensors.Count * 128L) + (Operators.Count * 96L) + (1 << 16);
        var fb = IO.HollowBuffer.NewBuilder((int)Math.Min(payload, int.MaxValue - 64));
        var holes = new List<(int FromEnd, IO.HollowBuffer.Payload Data)>();
        var codes = new List<TFLiteOperator>();
        var codeIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var op in Operators)
        {
            if (!codeIndex.ContainsKey(op.Key))
            {
                codeIndex[op.Key] = codes.Count;
                codes.Add(op);
            }
        }

        // Buffer 0 is the empty sentinel; every constant gets its own buffer.
        var bufferOffsets = new List<Offset<Schema.Buffer>> { Schema.Buffer.CreateBuffer(fb) };
        var tensorBuffer = new int[Tensors.Count];
        foreach (var t in Tensors)
        {
            if (t.Data is { } data)
            {
                tensorBuffer[t.Index] = bufferOffsets.Count;
                bufferOffsets.Add(Schema.Buffer.CreateBuffer(fb, data.Length >= StreamedPayloadSize ? IO.HollowBuffer.Reserve(fb, data, BufferAlignment, holes) : AlignedBytes(fb, data)));
            }
        }

        var tensorOffsets = Tensors.Select(t => WriteTensor(fb, t, tensorBuffer[t.Index])).ToArray();
        var operatorOffsets = Operators.Select(op => WriteOperator(fb, op, codeIndex[op.Key])).ToArray();
        var subgraph = SubGraph.CreateSubGraph(fb,
            SubGraph.CreateTensorsVector(fb, tensorOffsets),
            SubGraph.CreateInputsVector(fb, [.. Inputs]),
            SubGraph.CreateOutputsVector(fb, [.. Outputs]),
            SubGraph.CreateOperatorsVector(fb, operatorOffsets),
            fb.CreateString(graphName));
        var opcodes = codes.Select(c => OperatorCode.CreateOperatorCode(fb,
            deprecated_builtin_code: (sbyte)Math.Min((int)c.Code, (int)BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES),
            custom_codeOffset: c.CustomCode is { } custom ? fb.CreateString(custom) : default,
            version: MinimumVersion(c.Code), builtin_code: c.Code)).ToArray();
        var signature = SignatureDef.CreateSignatureDef(fb,
            SignatureDef.CreateInputsVector(fb, [.. Inputs.Select(i => TensorMap.CreateTensorMap(fb, fb.CreateString(Tensors[i].Name), (uint)i))]),
            SignatureDef.CreateOutputsVector(fb, [.. Outputs.Select(i => TensorMap.CreateTensorMap(fb, fb.CreateString(Tensors[i].Name), (uint)i))]),
            fb.CreateString("serving_default"), 0);
        var model = Model.CreateModel(fb, SchemaVersion,
            Model.CreateOperatorCodesVector(fb, opcodes),
            Model.CreateSubgraphsVector(fb, [subgraph]),
            fb.CreateString(description),
            Model.CreateBuffersVector(fb, [.. bufferOffsets]),
            default,
            default,
            Model.CreateSignatureDefsVector(fb, [signature]));
        Model.FinishModelBuffer(fb, model);
        return IO.HollowBuffer.Finish(fb, holes);
    }

    /// <summary>The runtime's op resolver registers BROADCAST_TO from version 2 (version 1 meant the Flex op).</summary>
    private static int MinimumVersion(BuiltinOperator code) => code == BuiltinOperator.BROADCAST_TO ? 2 : 1;

    /// <summary>The constant's bytes as a buffer vector, copied into the builder (small constants).</summary>
    private static unsafe VectorOffset AlignedBytes(FlatBufferBuilder fb, ConstantBytes data)
    {
        var bytes = data.Stored ?? data.ToArray();

        fb.StartVector(1, bytes.Length, BufferAlignment);
        if (bytes.Length > 0)
        {
            using var pinned = bytes.Pin();
            fb.Add<byte>((IntPtr)pinned.Pointer, bytes.Length);
        }

        return fb.EndVector();
    }

    private static Offset<FbTensor> WriteTensor(FlatBufferBuilder fb, TFLiteTensor t, int buffer)
    {
        var quant = default(Offset<QuantizationParameters>);
        if (t.Quantization is { } q)
        {
            quant = QuantizationParameters.CreateQuantizationParameters(fb,
                scaleOffset: QuantizationParameters.CreateScaleVector(fb, q.Scales),
                zero_pointOffset: QuantizationParameters.CreateZeroPointVector(fb, q.ZeroPoints),
                quantized_dimension: q.Dimension);
        }

        return FbTensor.CreateTensor(fb,
            FbTensor.CreateShapeVector(fb, t.Shape),
            t.Type,
            (uint)buffer,
            fb.CreateString(t.Name),
            quant,
            shape_signatureOffset: t.Signature is { } sig ? FbTensor.CreateShapeSignatureVector(fb, sig) : default,
            has_rank: true);
    }

    private static Offset<Operator> WriteOperator(FlatBufferBuilder fb, TFLiteOperator op, int opcode)
    {
        var options = op.Options?.Invoke(fb) ?? 0;
        var custom = op.CustomOptions is { } bytes ? Operator.CreateCustomOptionsVectorBlock(fb, bytes) : default;
        var inputs = Operator.CreateInputsVector(fb, op.Inputs);
        var outputs = Operator.CreateOutputsVector(fb, op.Outputs);
        return Operator.CreateOperator(fb, (uint)opcode, inputs, outputs,
            op.Options is null ? BuiltinOptions.NONE : op.OptionsType, options, custom, CustomOptionsFormat.FLEXBUFFERS);
    }

    private string UniqueName(string wanted)
    {
        if (_names.Add(wanted))
        {
            return wanted;
        }

        for (var i = 1; ; i++)
        {
            if (_names.Add($"{wanted}_{i}"))
            {
                return $"{wanted}_{i}";
            }
        }
    }
}
