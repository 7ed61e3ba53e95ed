using MgeConvert.Formats;
using MgeConvert.Formats.TracedModule;
using MgeConvert.Quantization;
using MgeConvert.Tests.Support;

namespace MgeConvert.Tests.EndToEnd;

/// <summary>QAT TracedModules converted to float Caffe/ONNX/TFLite come with the same quant_params.json.</summary>
public class QuantParamsOutputTests
{
    public static TheoryData<string> QatCases => FixtureCorpus.Ids(c => c.Kind == "tm" && c.Precision == "qat");

    [Theory]
    [MemberData(nameof(QatCases))]
    public void ConversionsWriteTheQuantParamsOfTheModel(string id)
    {
        var fixture = FixtureCorpus.Load(id);
        using var temp = new Cli.TempDirectory();
        var expectedPath = temp.File("expected.json");
        Assert.True(QuantParamsJsonWriter.Write(new TracedModuleReader().Read(fixture.ModelPath, new ConversionOptions()).Graph, new ConversionOptions(), expectedPath));
        var expected = File.ReadAllText(expectedPath);

        var written = new List<ModelFormat>();
        foreach (var target in new[] { ModelFormat.Caffe, ModelFormat.Onnx, ModelFormat.TFLite })
        {
            var json = temp.File($"{target}.json");
            var options = new ConversionOptions
            {
                Output = temp.File("model." + target),
                Prototxt = temp.File("model.prototxt"),
                CaffeModel = temp.File("model.caffemodel"),
                QuantizeFilePath = json,
            };
            try
            {
                new Converter().Convert(ModelFormat.TracedModule, target, fixture.ModelPath, options);
            }
            catch (UnsupportedOpsException)
            {
                Assert.False(File.Exists(json), $"{target}: quant params written although the model was refused");
                continue;
            }

            Assert.Equal(expected, File.ReadAllText(json));
            written.Add(target);
        }

        Assert.Contains(ModelFormat.Onnx, written);
        Assert.Contains(ModelFormat.Caffe, written);
    }
}
