using MgeConvert.Formats.Onnx;
using MgeConvert.Formats.Onnx.Proto;
using MgeConvert.Ir;

namespace MgeConvert.Tests.Onnx;

/// <summary>Debian's libonnx-testdata: model.onnx plus test_data_set_0/{input,output}_N.pb per test directory.</summary>
internal static class OnnxCorpus
{
    public const string Root = "/usr/share/libonnx-testdata/data";

    public static readonly string[] Sets = ["node", "pytorch-converted", "pytorch-operator", "simple"];

    public static IReadOnlyList<string> Models(string set)
    {
        var dir = Path.Combine(Root, set);
        Assert.True(Directory.Exists(dir), $"ONNX test corpus missing: {dir} (apt-get install libonnx-testdata)");
        var models = Directory.GetDirectories(dir).Where(d => File.Exists(Path.Combine(d, "model.onnx"))).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(models);
        return models;
    }

    /// <summary>The numbered .pb tensors (input_N or output_N) of the first test data set.</summary>
    public static List<Tensor> Tensors(string modelDir, string prefix)
    {
        var dataDir = Path.Combine(modelDir, "test_data_set_0");
        var result = new List<Tensor>();
        for (var i = 0; File.Exists(Path.Combine(dataDir, $"{prefix}_{i}.pb")); i++)
        {
            var proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(dataDir, $"{prefix}_{i}.pb")));
            result.Add(OnnxTensors.ToTensor(proto));
        }

        return result;
    }
}
