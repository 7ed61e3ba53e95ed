using System.IO.Compression;
using System.Text.RegularExpressions;
using Google.FlatBuffers;
using MgeConvert.Formats;
using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Formats.Onnx.Proto;
using BuiltinOperator = MgeConvert.Formats.TFLite.Schema.BuiltinOperator;
using TfLiteModel = MgeConvert.Formats.TFLite.Schema.Model;

namespace MgeConvert.Tests.Robustness;

/// <summary>
/// Operators in a written model, counted in the file itself (TorchScript: the torch operator calls in the module's
/// forward code). Operators a
/// format mandates are not counted: TFLite's NCHW↔NHWC transposes at graph inputs/outputs (the model keeps the
/// source layout at its boundary) and Caffe's Scale after BatchNorm (Caffe's BatchNorm has no affine part).
/// </summary>
internal static class EmittedOpCount
{
    public static int Of(ModelFormat target, ConversionResult result) => target switch
    {
        // Constant nodes carry data, not computation (the IR holds them as constant values).
        ModelFormat.Onnx => ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.Outputs[0].Path)).Graph.Node.Count(n => n.OpType != "Constant"),
        ModelFormat.TFLite => TfLiteOperators(File.ReadAllBytes(result.Outputs[0].Path)),
        ModelFormat.Caffe => NetParameter.Parser.ParseFrom(File.ReadAllBytes(result.Outputs.Single(o => o.Path.EndsWith(".caffemodel", StringComparison.Ordinal)).Path))
            .Layer.Where(l => l.Type != "Input").Count(l => l.Type != "Scale" || !l.Bottom.Any(IsBatchNormOutput(result))),
        ModelFormat.TorchScript => TorchScriptCalls(result.Outputs[0].Path),
        _ => result.OpsOut.Total(),
    };

    private static int TorchScriptCalls(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        using var reader = new StreamReader(archive.Entries.Single(e => e.FullName.EndsWith("/code/__torch__.py", StringComparison.Ordinal)).Open());
        var code = reader.ReadToEnd();
        return Regex.Count(code[code.IndexOf("def forward", StringComparison.Ordinal)..], @"\b(torch|ops\.\w+)\.\w+\(");
    }

    private static Func<string, bool> IsBatchNormOutput(ConversionResult result)
    {
        var net = NetParameter.Parser.ParseFrom(File.ReadAllBytes(result.Outputs.Single(o => o.Path.EndsWith(".caffemodel", StringComparison.Ordinal)).Path));
        var outputs = net.Layer.Where(l => l.Type == "BatchNorm").SelectMany(l => l.Top).ToHashSet(StringComparer.Ordinal);
        return outputs.Contains;
    }

    private static int TfLiteOperators(byte[] bytes)
    {
        var model = TfLiteModel.GetRootAsModel(new ByteBuffer(bytes));
        var count = 0;
        for (var i = 0; i < model.SubgraphsLength; i++)
        {
            var graph = model.Subgraphs(i)!.Value;
            var boundary = Enumerable.Range(0, graph.InputsLength).Select(graph.Inputs)
                .Concat(Enumerable.Range(0, graph.OutputsLength).Select(graph.Outputs)).ToHashSet();
            for (var j = 0; j < graph.OperatorsLength; j++)
            {
                var op = graph.Operators(j)!.Value;
                var code = model.OperatorCodes((int)op.OpcodeIndex)!.Value;
                var isTranspose = code.BuiltinCode == BuiltinOperator.TRANSPOSE || code.DeprecatedBuiltinCode == (sbyte)BuiltinOperator.TRANSPOSE;
                var atBoundary = boundary.Contains(op.Inputs(0)) || boundary.Contains(op.Outputs(0));
                count += isTranspose && atBoundary ? 0 : 1;
            }
        }

        return count;
    }
}
