using Google.FlatBuffers;
using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Formats.Mge.Fbs.V2;

namespace MgeConvert.Formats.Mge.Writing;

/// <summary>The <c>mgv2</c> container: one size-prefixed FlatBuffer, root <c>Model</c>, tensor bytes inside (docs/mge-format.md §4, §15).</summary>
internal static class MgeV2Serializer
{
    public static byte[] Serialize(MgeWriteProgram program, MgeWriteSettings settings)
    {
        var b = new FlatBufferBuilder(4096 + program.Ops.Sum(o => o.Tensors.Sum(t => t.Data?.Length ?? 0)));
        var ops = program.Ops.Select(op => Operator(b, op)).ToArray();
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
        return b.SizedByteArray();
    }

    private static Offset<Fbs.V2.Operator> Operator(FlatBufferBuilder b, MgeWriteOp op)
    {
        var record = MgeWriteTypes.For(op.Class, MgeContainer.Mgv2);
        var type = b.CreateString(record.Type);
        var first = op.Params.Count > 0 ? op.Params[0].Build(b) : 0;
        var extra = op.Params.Skip(1).Select(p => p.Build(b)).ToArray();
        var extraTypes = extra.Length > 0 ? Fbs.V2.Operator.CreateAdditionalParamsTypeVector(b, [.. op.Params.Skip(1).Select(p => p.Tag)]) : default;
        var extraTables = extra.Length > 0 ? Fbs.V2.Operator.CreateAdditionalParamsVector(b, extra) : default;
        var inputs = op.Inputs.Length > 0 ? Fbs.V2.Operator.CreateInputsVector(b, op.Inputs) : default;
        var outputs = Fbs.V2.Operator.CreateOutputsVector(b, [.. op.Outputs.Select(v => (uint)v)]);
        var tensors = op.Tensors.Count > 0 ? Fbs.V2.Operator.CreateTensorsVector(b, [.. op.Tensors.Select(t => Tensor(b, t))]) : default;
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

    private static Offset<Fbs.V2.Tensor> Tensor(FlatBufferBuilder b, MgeWriteTensor t)
    {
        var name = t.Name is null ? default : b.CreateString(t.Name);
        var shape = Fbs.V2.Tensor.CreateShapeVector(b, t.Shape);
        var locator = b.CreateString(MgeWriteSettings.CompNode);
        var compNode = CompNode.CreateCompNode(b, locator);
        var dtype = MgeWriteDTypes.Build(b, t.DType);
        DefaultTensorFormat.StartDefaultTensorFormat(b);
        var format = DefaultTensorFormat.EndDefaultTensorFormat(b);
        var data = t.Data is null ? default : Fbs.V2.Tensor.CreateDataVectorBlock(b, t.Data);
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
