using MgeConvert.Formats.Pickle;
using MgeConvert.Ir;

namespace MgeConvert.Formats.TorchScript;

/// <summary>
/// data.pkl and constants.pkl as torch.jit.save lays them out (pickle protocol 2): the module is
/// NEWOBJ of its TorchScript class with the attribute dict as BUILD state; every tensor is
/// torch._utils._rebuild_tensor_v2 over a persistent-id storage ('storage', torch.XStorage, key, 'cpu', numel)
/// whose bytes are the record data/key.
/// </summary>
internal static class TorchScriptPickles
{
    public const int Protocol = 2;

    public static byte[] Module(string className, IReadOnlyList<(string Name, Tensor Tensor)> attributes)
    {
        var state = new PyDict();
        state.Set("training", false);

        // torch's unpickler knows SETITEMS but not SETITEM, which a one-entry dict would get.
        state.Set("_is_full_backward_hook", null);
        for (var i = 0; i < attributes.Count; i++)
        {
            state.Set(attributes[i].Name, RebuildTensor(attributes[i].Tensor, i));
        }

        var module = new PyObject(new PyGlobal("__torch__", className), PyTuple.Empty, PyConstruction.New)
        {
            State = state,
            HasState = true,
        };
        return PickleWriter.Serialize(module, Protocol);
    }

    public static byte[] EmptyConstants() => PickleWriter.Serialize(PyTuple.Empty, Protocol);

    private static PyObject RebuildTensor(Tensor tensor, int key)
    {
        var dims = tensor.Shape.ToArray();
        var strides = new long[dims.Length];
        long stride = 1;
        for (var i = dims.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= Math.Max(dims[i], 1);
        }

        var storage = new PyPersistentId(new PyTuple(
            ["storage", new PyGlobal("torch", StorageClass(tensor.DType.Element)), key.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "cpu", tensor.ElementCount]));
        var args = new PyTuple(
        [
            storage, 0L, Tuple(dims), Tuple(strides), false,
            new PyDict { Class = new PyGlobal("collections", "OrderedDict") },
        ]);
        return new PyObject(new PyGlobal("torch._utils", "_rebuild_tensor_v2"), args, PyConstruction.Reduce);
    }

    private static PyTuple Tuple(long[] values) => new([.. values.Select(v => (object?)v)]);

    public static string StorageClass(ElementType type) => type switch
    {
        ElementType.Float32 => "FloatStorage",
        ElementType.Float16 => "HalfStorage",
        ElementType.Float64 => "DoubleStorage",
        ElementType.Int8 => "CharStorage",
        ElementType.UInt8 => "ByteStorage",
        ElementType.Int16 => "ShortStorage",
        ElementType.Int32 => "IntStorage",
        ElementType.Int64 => "LongStorage",
        ElementType.Bool => "BoolStorage",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no torch storage for this element type"),
    };
}
