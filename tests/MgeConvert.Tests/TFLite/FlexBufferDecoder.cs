using System.Text.Json;
using System.Text.Json.Nodes;

namespace MgeConvert.Tests.TFLite;

/// <summary>
/// Decodes FlexBuffers (TFLite custom-op options) with the FlatBuffers project's JavaScript implementation
/// (tests/oracles/litert/flexbuffers.mjs, installed with the LiteRT oracle), independent of our encoder.
/// </summary>
public static class FlexBufferDecoder
{
    public static IReadOnlyList<JsonElement> Decode(IReadOnlyList<byte[]> buffers)
    {
        var dir = LiteRtOracle.Directory;
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "flatbuffers")))
        {
            throw new InvalidOperationException($"the flatbuffers package is not installed: run `npm ci` in {dir}");
        }

        var request = new JsonArray([.. buffers.Select(b => (JsonNode)new JsonArray([.. b.Select(x => (JsonNode)(int)x)]))]);
        using var doc = JsonDocument.Parse(LiteRtOracle.RunNodeScript("flexbuffers.mjs", request, "FlexBuffers decoder").Stdout);
        return [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())];
    }
}
