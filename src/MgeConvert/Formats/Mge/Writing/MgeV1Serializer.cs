using System.Buffers.Binary;
using System.IO.Hashing;
using Google.FlatBuffers;
using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Formats.Mge.Fbs.V1;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>
/// The FBS v1 containers (docs/mge-format.md §3): magic (MGBC + 8-byte FeatureBits64, or MGBS), reserved word,
/// u64 tensor-area size, the value bytes of every valued tensor in operator order, then the size-prefixed "mgb1" Graph.
/// </summary>
internal static class MgeV1Serializer
{
    private const uint MagicMgbc = 0x4342474D;
    private const uint MagicMgbs = 0x5342474D;

    // src/core/impl/utils/hash.cpp: the graph hash MegEngine computes over the FlatBuffer built before the Graph table.
    private const long GraphHashSeed = 0x4b4e74b36b5d11;

    /// <summary>Values from this size on are streamed from the IR when the file is written.</summary>
    private const int StreamedValueSize = 4096;

    public static IO.HollowBuffer Serialize(MgeWriteProgram program, MgeWriteSettings settings)
    {
        var container = settings.Container;
        var b = new FlatBufferBuilder(4096);
        var outputNames = program.Outputs.Select(o => o.Var).ToHashSet();
        var ops = program.Ops.Select(op => Operator(b, op, container, op.Outputs.Any(outputNames.Contains) ? program.VarNames : null)).ToArray();
        var oprsVector = Graph.CreateOprsVector(b, ops);
        Graph.StartOutputVarsIdxVector(b, program.Outputs.Count);
        for (var i = program.Outputs.Count - 1; i >= 0; i--)
        {
            OutputVar.CreateOutputVar(b, (uint)program.Outputs[i].Var, (uint)program.Outputs[i].Var);
        }

        var outputVector = b.EndVector();
        var hash = Math.Max(XxHash64.HashToUInt64(b.DataBuffer.ToArraySegment(b.DataBuffer.Position, b.Offset), GraphHashSeed), 1UL);
        var userInfo = b.CreateString(settings.UserInfo);
        var metadata = Metadata.CreateMetadata(b, is_valid: true, graph_modified: false, user_infoOffset: userInfo, optimize_options: settings.OptimizeOptions);
        Graph.StartGraph(b);
        Graph.AddMgbVersion(b, settings.Version);
        Graph.AddHash(b, hash);
        Graph.AddOprs(b, oprsVector);
        Graph.AddOutputVarsIdx(b, outputVector);
        Graph.AddMetadata(b, metadata);
        Graph.FinishSizePrefixedGraphBuffer(b, Graph.EndGraph(b));
        var fbs = b.DataBuffer.ToArraySegment(b.DataBuffer.Position, b.Offset);

        var values = program.Ops.SelectMany(o => o.Tensors).Select(t => t.Data ?? default).Where(d => d.Length > 0).ToList();
        var area = values.Sum(v => (long)v.Length);
        var header = container == MgeContainer.Mgbc ? 24 : 16;

        // The large values stay holes, filled from the IR's bytes when the file is written; small ones (shapes,
        // indices the read-back check resolves) are copied.
        var file = GC.AllocateUninitializedArray<byte>(checked((int)(header + area + fbs.Count)));
        file.AsSpan(0, header).Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(file, container == MgeContainer.Mgbc ? MagicMgbc : MagicMgbs);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(header - 8), (ulong)area);
        var holes = new List<(int Offset, IO.HollowBuffer.Payload Data)>();
        var pos = header;
        foreach (var v in values)
        {
            if (v.Length >= StreamedValueSize)
            {
                holes.Add((pos, IO.HollowBuffer.Payload.Of(v)));
            }
            else
            {
                v.Span.CopyTo(file.AsSpan(pos));
            }

            pos += v.Length;
        }

        fbs.AsSpan().CopyTo(file.AsSpan(pos));
        return IO.HollowBuffer.WithHoles(file, holes);
    }

    /// <summary><paramref name="names"/> non-null: the operator produces a graph output, so all its outputs are named (§3.3).</summary>
    private static Offset<Fbs.V1.Operator> Operator(FlatBufferBuilder b, MgeWriteOp op, MgeContainer container, IReadOnlyList<string>? names)
    {
        var record = MgeWriteTypes.For(op.Class, container);
        var first = op.Params.Count > 0 ? op.Params[0].Build(b) : 0;
        var extra = op.Params.Skip(1).Select(p => p.Build(b)).ToArray();
        var extraTypes = extra.Length > 0 ? Fbs.V1.Operator.CreateAdditionalParamsTypeVector(b, [.. op.Params.Skip(1).Select(p => p.Tag)]) : default;
        var extraTables = extra.Length > 0 ? Fbs.V1.Operator.CreateAdditionalParamsVector(b, extra) : default;
        var inputs = op.Inputs.Length > 0 ? Fbs.V1.Operator.CreateInputsVector(b, op.Inputs) : default;
        var outputNames = names is null ? default : Fbs.V1.Operator.CreateOutputNameVector(b, [.. op.Outputs.Select(v => b.CreateString(names[v]))]);
        var tensors = op.Tensors.Count > 0 ? Fbs.V1.Operator.CreateTensorsVector(b, [.. op.Tensors.Select(t => Tensor(b, t))]) : default;
        var outputDType = op.OutputDType is { } od ? MgeWriteDTypes.Build(b, od) : default;
        Fbs.V1.Operator.StartOperator(b);
        Fbs.V1.Operator.AddTypeId(b, record.TypeId);
        if (op.Params.Count > 0)
        {
            Fbs.V1.Operator.AddParamType(b, op.Params[0].Tag);
            Fbs.V1.Operator.AddParam(b, first);
        }

        if (op.Inputs.Length > 0)
        {
            Fbs.V1.Operator.AddInputs(b, inputs);
        }

        if (names is not null)
        {
            Fbs.V1.Operator.AddOutputName(b, outputNames);
        }

        if (op.OutputDType is not null)
        {
            Fbs.V1.Operator.AddOutputDtype(b, outputDType);
        }

        if (op.Tensors.Count > 0)
        {
            Fbs.V1.Operator.AddTensors(b, tensors);
        }

        if (extra.Length > 0)
        {
            Fbs.V1.Operator.AddAdditionalParamsType(b, extraTypes);
            Fbs.V1.Operator.AddAdditionalParams(b, extraTables);
        }

        return Fbs.V1.Operator.EndOperator(b);
    }

    private static Offset<Fbs.V1.Tensor> Tensor(FlatBufferBuilder b, MgeWriteTensor t)
    {
        var name = t.Name is null ? default : b.CreateString(t.Name);
        var shape = Fbs.V1.Tensor.CreateShapeVector(b, t.Shape);
        var compNode = CompNode.CreateCompNode(b, b.CreateString(MgeWriteSettings.CompNode));
        var dtype = MgeWriteDTypes.Build(b, t.DType);
        Fbs.V1.Tensor.StartTensor(b);
        if (t.Name is not null)
        {
            Fbs.V1.Tensor.AddName(b, name);
        }

        Fbs.V1.Tensor.AddShape(b, shape);
        Fbs.V1.Tensor.AddCompNode(b, compNode);
        Fbs.V1.Tensor.AddDtype(b, dtype);
        Fbs.V1.Tensor.AddDataSize(b, (uint)(t.Data?.Length ?? 0));
        return Fbs.V1.Tensor.EndTensor(b);
    }
}
