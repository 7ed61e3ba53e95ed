using System.Runtime.InteropServices;
using Google.FlatBuffers;
using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Formats.Mge.Fbs.V2;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>The <c>mgv2</c> container: one size-prefixed FlatBuffer, root <c>Model</c>, tensor bytes inside (docs/mge-format.md §4, §15).</summary>
internal static class MgeV2Serializer
{
    /// <summary>Tensors from this size on are reserved in the builder and streamed in when the dump is written.</summary>
    private const int StreamedDataSize = 4096;

    /// <summary>
    /// The dump: the finished tail of the builder's buffer (sized up front, so it is never regrown and copied), with
    /// holes for the large tensors (see <see cref="IO.HollowBuffer"/>).
    /// </summary>
    public static IO.HollowBuffer Serialize(MgeWriteProgram program, MgeWriteSettings settings)
    {
        var b = IO.HollowBuffer.NewBuilder(Capacity(program, settings));
        var holes = new List<(int FromEnd, IO.HollowBuffer.Payload Data)>();
        var ops = program.Ops.Select(op => Operator(b, op, holes)).ToArray();
        var middle = program.VarNames.Select(name =>
        {
            var n = b.CreateString(name);
            MiddleTensor.StartMiddleTensor(b);
            MiddleTensor.AddName(b, n);
            return MiddleTensor.EndMiddleTensor(b);
        }).ToArray();
        var outputs = program.Outputs.Select(o => OutputVar.CreateOutputVar(b, (uint)o.Var, (uint)o.Var)).ToArray();
        var oprsVector = Model.CreateOprsVector(b, ops);
        var middleVector = Model.CreateMiddleTensorsVector(b, middle);
        var outputVector = Model.CreateOutputVarsIdxVector(b, outputs);
        var aliasVector = Model.CreateOutputAliasVector(b, []);
        var userInfo = b.CreateString(settings.UserInfo);
        var metadata = Metadata.CreateMetadata(b, is_valid: true, graph_modified: false, optimize_options: settings.OptimizeOptions, user_infoOffset: userInfo);
        Model.StartModel(b);
        Model.AddMgeVersion(b, settings.Version);
        Model.AddModelVersion(b, 2);
        Model.AddOprs(b, oprsVector);
        Model.AddMiddleTensors(b, middleVector);
        Model.AddOutputVarsIdx(b, outputVector);
        Model.AddOutputAlias(b, aliasVector);
        Model.AddMetadata(b, metadata);
        Model.FinishSizePrefixedModelBuffer(b, Model.EndModel(b));
        return IO.HollowBuffer.Finish(b, holes);
    }

    /// <summary>
    /// An upper bound of the FlatBuffer's size: the tensor bytes plus generous room for every table, vector and
    /// string. A builder that runs out of room doubles its buffer and copies all it holds, weights included.
    /// </summary>
    private static int Capacity(MgeWriteProgram program, MgeWriteSettings settings)
    {
        long size = (1 << 16) + (3L * settings.UserInfo.Length);
        foreach (var op in program.Ops)
        {
            size += 512 + (256L * op.Params.Count) + (8L * (op.Inputs.Length + op.OutputCount));
            foreach (var t in op.Tensors)
            {
                size += 256 + (3L * (t.Name?.Length ?? 0)) + (4L * t.Shape.Length) + (t.Data?.Length ?? 0);
            }
        }

        size += program.VarNames.Sum(n => 16 + (3L * n.Length));
        // A multiple of 16 keeps the finished buffer's alignment (counted from its end) valid from the array's start.
        return (int)Math.Min(size, int.MaxValue - (1 << 20)) & ~15;
    }

    /// <summary>The tensor's bytes: reserved for streaming, or (small ones) copied straight from the IR constant into the builder.</summary>
    private static unsafe VectorOffset DataVector(FlatBufferBuilder b, ReadOnlyMemory<byte> data, List<(int FromEnd, IO.HollowBuffer.Payload Data)> holes)
    {
        if (data.Length >= StreamedDataSize)
        {
            return IO.HollowBuffer.Reserve(b, IO.HollowBuffer.Payload.Of(data), 1, holes);
        }

        if (MemoryMarshal.TryGetArray(data, out var segment))
        {
            return Fbs.V2.Tensor.CreateDataVectorBlock(b, segment);
        }

        using var pinned = data.Pin();
        return Fbs.V2.Tensor.CreateDataVectorBlock(b, (IntPtr)pinned.Pointer, data.Length);
    }

    private static Offset<Fbs.V2.Operator> Operator(FlatBufferBuilder b, MgeWriteOp op, List<(int FromEnd, IO.HollowBuffer.Payload Data)> holes)
    {
        var record = MgeWriteTypes.For(op.Class, MgeContainer.Mgv2);
        var type = b.CreateString(record.Type);
        var first = op.Params.Count > 0 ? op.Params[0].Build(b) : 0;
        var extra = op.Params.Skip(1).Select(p => p.Build(b)).ToArray();
        var extraTypes = extra.Length > 0 ? Fbs.V2.Operator.CreateAdditionalParamsTypeVector(b, [.. op.Params.Skip(1).Select(p => p.Tag)]) : default;
        var extraTables = extra.Length > 0 ? Fbs.V2.Operator.CreateAdditionalParamsVector(b, extra) : default;
        var inputs = op.Inputs.Length > 0 ? Fbs.V2.Operator.CreateInputsVector(b, op.Inputs) : default;
        var outputs = Fbs.V2.Operator.CreateOutputsVector(b, [.. op.Outputs.Select(v => (uint)v)]);
        var tensors = op.Tensors.Count > 0 ? Fbs.V2.Operator.CreateTensorsVector(b, [.. op.Tensors.Select(t => Tensor(b, t, holes))]) : default;
        var outputDType = op.OutputDType is { } od ? MgeWriteDTypes.Build(b, od) : default;
        Fbs.V2.Operator.StartOperator(b);
        Fbs.V2.Operator.AddType(b, type);
        Fbs.V2.Operator.AddTypeId(b, record.TypeId);
        if (op.Params.Count > 0)
        {
            Fbs.V2.Operator.AddParamType(b, op.Params[0].Tag);
            Fbs.V2.Operator.AddParam(b, first);
        }

        if (extra.Length > 0)
        {
            Fbs.V2.Operator.AddAdditionalParamsType(b, extraTypes);
            Fbs.V2.Operator.AddAdditionalParams(b, extraTables);
        }

        if (op.Inputs.Length > 0)
        {
            Fbs.V2.Operator.AddInputs(b, inputs);
        }

        Fbs.V2.Operator.AddOutputs(b, outputs);
        if (op.OutputDType is not null)
        {
            Fbs.V2.Operator.AddOutputDtype(b, outputDType);
        }

        if (op.Tensors.Count > 0)
        {
            Fbs.V2.Operator.AddTensors(b, tensors);
        }

        Fbs.V2.Operator.AddOprVersion(b, record.Version);
        return Fbs.V2.Operator.EndOperator(b);
    }

    private static Offset<Fbs.V2.Tensor> Tensor(FlatBufferBuilder b, MgeWriteTensor t, List<(int FromEnd, IO.HollowBuffer.Payload Data)> holes)
    {
        var name = t.Name is null ? default : b.CreateString(t.Name);
        var shape = Fbs.V2.Tensor.CreateShapeVector(b, t.Shape);
        var locator = b.CreateString(MgeWriteSettings.CompNode);
        var compNode = CompNode.CreateCompNode(b, locator);
        var dtype = MgeWriteDTypes.Build(b, t.DType);
        DefaultTensorFormat.StartDefaultTensorFormat(b);
        var format = DefaultTensorFormat.EndDefaultTensorFormat(b);
        var data = t.Data is { } bytes ? DataVector(b, bytes, holes) : default;
        Fbs.V2.Tensor.StartTensor(b);
        if (t.Name is not null)
        {
            Fbs.V2.Tensor.AddName(b, name);
        }

        Fbs.V2.Tensor.AddShape(b, shape);
        Fbs.V2.Tensor.AddCompNode(b, compNode);
        Fbs.V2.Tensor.AddDtype(b, dtype);
        Fbs.V2.Tensor.AddFormatType(b, TensorFormat.DefaultTensorFormat);
        Fbs.V2.Tensor.AddFormat(b, format.Value);
        if (t.Data is not null)
        {
            Fbs.V2.Tensor.AddData(b, data);
        }

        return Fbs.V2.Tensor.EndTensor(b);
    }
}
