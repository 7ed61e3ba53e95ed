using MgeConvert.Ir;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = MgeConvert.Ir.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace MgeConvert.Tests.TorchScript;

/// <summary>
/// libtorch 2.10 in process through TorchSharp: torch.jit.load each archive and call forward on the inputs.
/// Needs <see cref="LibTorchSharpPatch"/> on Debian 12 (it runs as a module initializer).
/// </summary>
public static class LibTorchOracle
{
    public static IReadOnlyList<TorchResult> Run(IReadOnlyList<TorchRun> runs)
    {
        var results = new List<TorchResult>(runs.Count);
        foreach (var run in runs)
        {
            try
            {
                results.Add(new TorchResult(RunOne(run), null));
            }
            catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or ArgumentException or InvalidOperationException or NotSupportedException)
            {
                results.Add(new TorchResult([], e.Message));
            }
        }

        return results;
    }

    private static List<Tensor> RunOne(TorchRun run)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var module = jit.load(run.ModelPath);
        module.eval();
        var inputs = run.Inputs.Select(ToTorch).Cast<object>().ToArray();
        var outputs = new List<Tensor>();
        Collect(module.forward(inputs), outputs);
        return outputs;
    }

    private static void Collect(object? result, List<Tensor> outputs)
    {
        switch (result)
        {
            case TorchTensor tensor:
                outputs.Add(FromTorch(tensor));
                break;
            case System.Runtime.CompilerServices.ITuple tuple:
                for (var i = 0; i < tuple.Length; i++)
                {
                    Collect(tuple[i], outputs);
                }

                break;
            case System.Collections.IEnumerable items:
                foreach (var item in items)
                {
                    Collect(item, outputs);
                }

                break;
            default:
                throw new NotSupportedException($"forward returned {result?.GetType().Name ?? "null"}, expected tensors");
        }
    }

    private static TorchTensor ToTorch(Tensor tensor)
    {
        var result = empty([.. tensor.Shape], ScalarTypeOf(tensor.DType.Element));
        result.bytes = tensor.Bytes.ToArray();
        return result;
    }

    private static Tensor FromTorch(TorchTensor tensor)
    {
        var element = ElementTypeOf(tensor.dtype);
        var bytes = tensor.contiguous().bytes.ToArray();
        return new Tensor(new DataType(element), new Shape([.. tensor.shape]), bytes);
    }

    private static ScalarType ScalarTypeOf(ElementType element) => element switch
    {
        ElementType.Float32 => ScalarType.Float32,
        ElementType.Float16 => ScalarType.Float16,
        ElementType.Float64 => ScalarType.Float64,
        ElementType.Int8 => ScalarType.Int8,
        ElementType.UInt8 => ScalarType.Byte,
        ElementType.Int16 => ScalarType.Int16,
        ElementType.Int32 => ScalarType.Int32,
        ElementType.Int64 => ScalarType.Int64,
        ElementType.Bool => ScalarType.Bool,
        _ => throw new NotSupportedException($"libtorch has no {element} tensors"),
    };

    private static ElementType ElementTypeOf(ScalarType type) => type switch
    {
        ScalarType.Float32 => ElementType.Float32,
        ScalarType.Float16 => ElementType.Float16,
        ScalarType.Float64 => ElementType.Float64,
        ScalarType.Int8 => ElementType.Int8,
        ScalarType.Byte => ElementType.UInt8,
        ScalarType.Int16 => ElementType.Int16,
        ScalarType.Int32 => ElementType.Int32,
        ScalarType.Int64 => ElementType.Int64,
        ScalarType.Bool => ElementType.Bool,
        _ => throw new NotSupportedException($"output of torch type {type}"),
    };
}
