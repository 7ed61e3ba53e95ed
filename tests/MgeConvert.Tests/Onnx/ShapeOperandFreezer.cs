using MgeConvert.Formats.Onnx;
using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;

namespace MgeConvert.Tests.Onnx;

/// <summary>
/// Many node tests feed shape operands (reshape targets, axes, pads, resize scales, quantization parameters) as graph inputs. The
/// converter needs them constant, so the harness can bind those inputs to their test values as initializers;
/// every other input stays a run-time input.
/// </summary>
internal static class ShapeOperandFreezer
{
    private static readonly Dictionary<string, int[]> ShapeOperands = new(StringComparer.Ordinal)
    {
        ["Reshape"] = [1],
        ["Expand"] = [1],
        ["Tile"] = [1],
        ["Squeeze"] = [1],
        ["Unsqueeze"] = [1],
        ["Slice"] = [1, 2, 3, 4],
        ["Pad"] = [1, 2, 3],
        ["Split"] = [1],
        ["TopK"] = [1],
        ["Clip"] = [1, 2],
        ["Resize"] = [1, 2, 3],
        ["Upsample"] = [1],
        ["Dropout"] = [1, 2],
        ["ConstantOfShape"] = [0],
        ["QuantizeLinear"] = [1, 2],
        ["DequantizeLinear"] = [1, 2],
        ["ReduceSum"] = [1],
        ["ReduceMean"] = [1],
        ["ReduceMax"] = [1],
        ["ReduceMin"] = [1],
        ["ReduceProd"] = [1],
        ["ReduceL1"] = [1],
        ["ReduceL2"] = [1],
        ["ReduceLogSum"] = [1],
        ["ReduceLogSumExp"] = [1],
        ["ReduceSumSquare"] = [1],
    };

    /// <summary>The graph inputs (by position) that feed shape operands.</summary>
    public static HashSet<string> ShapeInputs(ModelProto model)
    {
        var inputs = model.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in model.Graph.Node)
        {
            if (ShapeOperands.TryGetValue(node.OpType, out var positions))
            {
                foreach (var p in positions.Where(p => p < node.Input.Count && inputs.Contains(node.Input[p])))
                {
                    result.Add(node.Input[p]);
                }
            }
        }

        return result;
    }

    /// <summary>A copy of the model with the named inputs turned into initializers holding the given data.</summary>
    public static byte[] Freeze(ModelProto model, IReadOnlyDictionary<string, Tensor> values)
    {
        var copy = model.Clone();
        foreach (var (name, tensor) in values)
        {
            var input = copy.Graph.Input.First(i => i.Name == name);
            copy.Graph.Input.Remove(input);
            copy.Graph.Initializer.Add(OnnxTensors.FromTensor(name, tensor));
        }

        return Google.Protobuf.MessageExtensions.ToByteArray(copy);
    }
}
