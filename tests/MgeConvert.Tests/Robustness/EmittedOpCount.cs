using System.IO.Compression;
using Google.FlatBuffers;
using MgeConvert.Formats;
using MgeConvert.Formats.Caffe.Proto;
using MgeConvert.Formats.Onnx.Proto;
using TfLiteModel = MgeConvert.Formats.TFLite.Schema.Model;

namespace MgeConvert.Tests.Robustness;

/// <summary>Operators in a written model, counted in the file itself (TorchScript: the IR handed to the writer).</summary>
internal static class EmittedOpCount
{
    public static int Of(ModelFormat target, ConversionResult result) => target switch
    {
        // Constant nodes carry data, not computation (the IR holds them as constant values).
        ModelFormat.Onnx => ModelProto.Parser.ParseFrom(File.ReadAllBytes(result.Outputs[0].Path)).Graph.Node.Count(n => n.OpType != "Constant"),
        ModelFormat.TFLite => TfLiteOperators(File.ReadAllBytes(result.Outputs[0].Path)),
        ModelFormat.Caffe => NetParameter.Parser.ParseFrom(File.ReadAllBytes(result.Outputs.Single(o => o.Path.EndsWith(".caffemodel", StringComparison.Ordinal)).Path))
            .Layer.Count(l => l.Type != "Input"),
        _ => result.OpsOut.Total(),
    };

    private static int TfLiteOperators(byte[] bytes)
    {
        var model = TfLiteModel.GetRootAsModel(new ByteBuffer(bytes));
        var count = 0;
        for (var i = 0; i < model.SubgraphsLength; i++)
        {
            count += model.Subgraphs(i)!.Value.OperatorsLength;
        }

        return count;
    }
}
