using Google.FlatBuffers;
using MgeConvert.Formats.Mge;
using MgeConvert.Formats.Mge.Fbs;
using MgeConvert.Formats.Mge.Fbs.V2;

namespace MgeConvert.Tests.Mge;

/// <summary>Builds small mgv2 dumps with the generated FlatBuffers API for tests of cases the fixtures lack.</summary>
internal sealed class MgeTestGraph
{
    private readonly FlatBufferBuilder _fb = new(1024);
    private readonly List<Offset<Operator>> _ops = [];
    private readonly List<string> _names = [];

    /// <summary>A float32 Host2DeviceCopy input; returns its var id.</summary>
    public uint Input(string name, params uint[] shape)
    {
        var tensor = Tensor.CreateTensor(_fb, _fb.CreateString(name), Tensor.CreateShapeVector(_fb, shape),
            CompNode.CreateCompNode(_fb, _fb.CreateString("xpux")), DType.CreateDType(_fb));
        return Add("Host2DeviceCopy", name, [], tensors: [tensor]);
    }

    /// <summary>A float32 ImmutableTensor holding <paramref name="data"/>; returns its var id.</summary>
    public uint Constant(float[] data, params uint[] shape)
    {
        var bytes = new byte[data.Length * sizeof(float)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        var tensor = Tensor.CreateTensor(_fb, default, Tensor.CreateShapeVector(_fb, shape),
            CompNode.CreateCompNode(_fb, _fb.CreateString("xpux")), DType.CreateDType(_fb), dataOffset: Tensor.CreateDataVectorBlock(_fb, bytes));
        return Add("ImmutableTensor", $"const{_names.Count}", [], tensors: [tensor]);
    }

    /// <summary>An Elemwise operator of the given mode.</summary>
    public uint Elemwise(ElemwiseMode mode, params uint[] inputs) =>
        Add("Elemwise", $"elemwise{_names.Count}", inputs, OperatorParam.Elemwise, Formats.Mge.Fbs.Elemwise.CreateElemwise(_fb, mode).Value);

    /// <summary>An operator with the given <c>type</c> string and no param.</summary>
    public uint Other(string type, params uint[] inputs) => Add(type, $"{type}{_names.Count}", inputs);

    public byte[] Finish(params uint[] outputs)
    {
        var middle = _names.Select(n => MiddleTensor.CreateMiddleTensor(_fb, _fb.CreateString(n))).ToArray();
        var outputVars = outputs.Select(o => OutputVar.CreateOutputVar(_fb, o, o)).ToArray();
        var model = Model.CreateModel(_fb, mge_version: 1099900, model_version: 2,
            oprsOffset: Model.CreateOprsVector(_fb, [.. _ops]),
            middle_tensorsOffset: Model.CreateMiddleTensorsVector(_fb, middle),
            output_vars_idxOffset: Model.CreateOutputVarsIdxVector(_fb, outputVars),
            output_aliasOffset: Model.CreateOutputAliasVector(_fb, []));
        Model.FinishSizePrefixedModelBuffer(_fb, model);
        return _fb.SizedByteArray();
    }

    private uint Add(string type, string outputName, uint[] inputs, OperatorParam tag = OperatorParam.NONE, int param = 0,
        Offset<Tensor>[]? tensors = null)
    {
        var id = (uint)_names.Count;
        _names.Add(outputName);
        _ops.Add(Operator.CreateOperator(_fb,
            _fb.CreateString(type),
            MgeOperatorTypes.Hash(type, withNul: false),
            param_type: tag,
            paramOffset: param,
            inputsOffset: Operator.CreateInputsVector(_fb, inputs),
            outputsOffset: Operator.CreateOutputsVector(_fb, [id]),
            tensorsOffset: tensors is null ? default : Operator.CreateTensorsVector(_fb, tensors),
            opr_version: 1));
        return id;
    }
}
