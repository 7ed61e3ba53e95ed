using MgeConvert.Formats;
using MgeConvert.Ir;
using MgeConvert.Ir.Ops;

namespace MgeConvert.Tests.Cli;

/// <summary>The library API (<see cref="Converter"/>, <see cref="FormatRegistry"/>) with fake formats.</summary>
public sealed class ConverterTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void ConvertReportsHistogramsOutputsTimingsAndWarnings()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var writer = new FakeWriter(ModelFormat.Onnx);
        PipelineContext? seen = null;
        var pipeline = GraphPipeline.From((graph, context) =>
        {
            seen = context;
            context.Warnings.Add("pass note");
            context.Log.Add("inserted sig");
            var stray = new Value("stray", graph.Inputs[0].Type);
            graph.Nodes.Insert(1, new Node("sig", new Unary(UnaryFunction.Sigmoid), [stray], [new Value("s", stray.Type)]));
            return graph;
        });
        var converter = new Converter(new FormatRegistry([new FakeReader(ModelFormat.Mge)], [writer]), pipeline);
        var options = new ConversionOptions { Output = _dir.File("out.onnx") };

        var stages = new List<ConversionStage>();
        var result = converter.Convert(ModelFormat.Mge, ModelFormat.Onnx, input, options, stages.Add);

        Assert.Equal([ConversionStage.Reading, ConversionStage.RunningPasses, ConversionStage.Preparing, ConversionStage.Writing], stages);
        Assert.Equal([new OpCount("Add", 1), new OpCount("Relu", 1)], result.OpsIn);
        Assert.Equal([new OpCount("Add", 1), new OpCount("Relu", 1), new OpCount("Sigmoid", 1)], result.OpsOut);
        Assert.Equal("fake-container", result.SourceContainer);
        var file = Assert.Single(result.Outputs);
        Assert.Equal(new WrittenFile(options.Output, new FileInfo(options.Output).Length), file);
        Assert.Equal("converted: Relu,Sigmoid,Add", File.ReadAllText(options.Output));
        Assert.Equal(result.Timings.Read + result.Timings.Passes + result.Timings.Prepare + result.Timings.Write, result.Timings.Total);
        Assert.Equal("pass note", result.Warnings[0]);
        Assert.Equal(["inserted sig"], result.PassLog);
        Assert.Contains(result.Warnings, w => w.StartsWith("graph check: ", StringComparison.Ordinal) && w.Contains("stray", StringComparison.Ordinal));
        Assert.NotNull(seen);
        Assert.Equal((ModelFormat.Mge, ModelFormat.Onnx, input), (seen.Source, seen.Target, seen.InputPath));
        Assert.Same(options, seen.Options);
    }

    [Fact]
    public void FailureWhileWritingTheSecondFileLeavesNeitherFile()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var converter = new Converter(new FormatRegistry(
            [new FakeReader(ModelFormat.Mge)],
            [new FakeWriter(ModelFormat.Caffe) { FailWhileWriting = new IOException("simulated") }]));
        var options = new ConversionOptions { Prototxt = _dir.File("n.prototxt"), CaffeModel = _dir.File("n.caffemodel") };

        var e = Assert.Throws<IOException>(() => converter.Convert(ModelFormat.Mge, ModelFormat.Caffe, input, options));

        Assert.Equal("simulated", e.Message);
        Assert.Equal(["model.fake"], _dir.Files());
    }

    [Fact]
    public void WriterRejectingTheGraphWritesNothing()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var unsupported = new UnsupportedOpsException(input, "ONNX", [new UnsupportedOp("Relu", "relu")]);
        var converter = new Converter(new FormatRegistry(
            [new FakeReader(ModelFormat.Mge)], [new FakeWriter(ModelFormat.Onnx) { FailInPrepare = unsupported }]));

        var e = Assert.Throws<UnsupportedOpsException>(
            () => converter.Convert(ModelFormat.Mge, ModelFormat.Onnx, input, new ConversionOptions { Output = _dir.File("o.onnx") }));

        Assert.Same(unsupported, e);
        Assert.Equal(["model.fake"], _dir.Files());
    }

    [Fact]
    public void OutputOverwritingTheInputIsRefused()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var converter = new Converter(new FormatRegistry([new FakeReader(ModelFormat.Mge)], [new FakeWriter(ModelFormat.Onnx)]));

        var e = Assert.Throws<ModelFormatException>(
            () => converter.Convert(ModelFormat.Mge, ModelFormat.Onnx, input, new ConversionOptions { Output = input }));

        Assert.Contains("output would overwrite the input model", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("FAKE Mge", File.ReadAllText(input), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingBackendIsNotAvailableBeforeAnythingIsRead()
    {
        var input = _dir.RandomFile("x.tm");
        var reader = new FakeReader(ModelFormat.TracedModule);
        var converter = new Converter(new FormatRegistry([reader], []));

        var e = Assert.Throws<ConversionNotAvailableException>(
            () => converter.Convert(ModelFormat.TracedModule, ModelFormat.TFLite, input, new ConversionOptions { Output = _dir.File("o") }));

        Assert.Equal($"{input}: tracedmodule → tflite is not available yet (no TFLite model (.tflite) writer in this build)", e.Message);
        Assert.Equal((ModelFormat.TracedModule, ModelFormat.TFLite), (e.From, e.To));
        Assert.Null(reader.LastOptions);
        Assert.False(converter.IsAvailable(ModelFormat.TracedModule, ModelFormat.TFLite));
    }

    [Fact]
    public void DetectionPrefersTheRequestedFormatWhenSeveralReadersAcceptTheHeader()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var greedy = new GreedyReader();
        var registry = new FormatRegistry([greedy, new FakeReader(ModelFormat.Mge)], []);

        Assert.Same(greedy, registry.Detect(input));
        Assert.Equal(ModelFormat.Mge, registry.Detect(input, ModelFormat.Mge).Format);
        Assert.Equal(2, registry.ReadersFor(FormatRegistry.ReadHeader(input)).Count);
    }

    [Fact]
    public void UnknownFormatNamesTheFileTheBytesAndTheKnownFormats()
    {
        var path = _dir.File("weird.bin");
        File.WriteAllBytes(path, [0x50, 0x4b, 0x03, 0x04, 0x00, 0xff]);
        var registry = new FormatRegistry([new FakeReader(ModelFormat.Mge), new FakeReader(ModelFormat.Onnx)], []);

        var e = Assert.Throws<ModelFormatException>(() => registry.Detect(path));

        Assert.Equal(
            $"{path} at byte 0: unknown model format (first bytes: 50 4b 03 04 00 ff \"PK....\"); " +
            "expected one of: MegEngine graph dump (.mge), ONNX model (.onnx)",
            e.Message);
    }

    [Fact]
    public void EmptyFilesAndDirectoriesAreNamedAsSuch()
    {
        var empty = _dir.File("empty.mge");
        File.WriteAllBytes(empty, []);
        var registry = new FormatRegistry([new FakeReader(ModelFormat.Mge)], []);

        Assert.Equal($"{empty}: unknown model format: the file is empty", Assert.Throws<ModelFormatException>(() => registry.Detect(empty)).Message);
        Assert.Equal($"{_dir.Path}: is a directory, expected a model file", Assert.Throws<ModelFormatException>(() => registry.Detect(_dir.Path)).Message);
    }

    [Fact]
    public void IrErrorsWhileReadingNameTheFile()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Onnx);
        var converter = new Converter(new FormatRegistry([new BrokenReader()], []));

        var e = Assert.Throws<ModelFormatException>(() => converter.Inspect(input));

        Assert.Equal($"{input}: Add: shapes [2] and [3] do not broadcast", e.Message);
        Assert.IsType<IrException>(e.InnerException);
    }

    [Fact]
    public void InspectSummarizesTheModel()
    {
        var input = FakeModel.Create(_dir.Path, ModelFormat.Mge);
        var converter = new Converter(new FormatRegistry([new FakeReader(ModelFormat.Mge)], []));

        var s = converter.Inspect(input);

        Assert.Equal((ModelFormat.Mge, "fake-container", "fake"), (s.Format, s.Container, s.GraphName));
        Assert.Equal(new FileInfo(input).Length, s.FileSize);
        Assert.Equal("x: f32[1,4]", Assert.Single(s.Inputs).ToString());
        Assert.Equal("add: f32[1,4]", Assert.Single(s.Outputs).ToString());
        Assert.Equal([new OpCount("Add", 1), new OpCount("Relu", 1)], s.Ops);
        Assert.Equal((1, 16L), (s.ConstantCount, s.ConstantBytes));
        Assert.Equal(["made by the fake reader"], s.Details);
    }

    [Fact]
    public void TheDefaultConverterUsesTheBuiltInRegistry()
    {
        var converter = new Converter();

        Assert.Same(FormatRegistry.Default, converter.Registry);
        Assert.Equal(BuiltInFormats.Readers().Count(), converter.Registry.Readers.Count);
        Assert.Equal(BuiltInFormats.Writers().Count(), converter.Registry.Writers.Count);
    }

    private sealed class GreedyReader : IModelReader
    {
        public ModelFormat Format => ModelFormat.Onnx;

        public bool CanRead(ReadOnlySpan<byte> header) => true;

        public ImportedModel Read(string path, ConversionOptions options) => throw new NotSupportedException();
    }

    private sealed class BrokenReader : IModelReader
    {
        public ModelFormat Format => ModelFormat.Onnx;

        public bool CanRead(ReadOnlySpan<byte> header) => true;

        public ImportedModel Read(string path, ConversionOptions options) =>
            throw new IrException("Add: shapes [2] and [3] do not broadcast");
    }
}
