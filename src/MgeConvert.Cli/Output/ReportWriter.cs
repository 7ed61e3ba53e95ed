using MgeConvert.Formats;
using System.Text.Encodings.Web;
using System.Text.Json;
using MgeConvert.Cli.Verification;
using MgeConvert.IO;

namespace MgeConvert.Cli.Output;

/// <summary>--report FILE: the summary as JSON (ops by type, transposes, files, times, verification) plus every op's mapping.</summary>
internal static class ReportWriter
{
    public static void Write(string path, ConversionResult result, VerificationResult? verification)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            Write(json, result, verification);
        }

        var bytes = buffer.ToArray();
        AtomicFile.WriteAll([(path, s => s.Write(bytes))]);
    }

    private static void Write(Utf8JsonWriter json, ConversionResult r, VerificationResult? verification)
    {
        json.WriteStartObject();
        json.WriteString("conversion", $"{r.From.CommandName()}_to_{r.To.CommandName()}");
        json.WriteString("input", r.Input);
        json.WriteString("source_container", r.SourceContainer);
        if (r.Provenance is { } p)
        {
            json.WriteString("converter_version", p.Version);
            json.WriteString("source_sha256", p.SourceSha256);
            json.WriteStartObject("options");
            foreach (var (key, value) in p.Options)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
        }

        json.WriteStartObject("ops");
        json.WriteNumber("in", r.OpsIn.Total());
        json.WriteNumber("out", r.OpsOut.Total());
        json.WriteStartArray("by_type");
        foreach (var row in OpRow.Of(r))
        {
            json.WriteStartObject();
            json.WriteString("op", row.Op);
            json.WriteNumber("in", row.In);
            json.WriteNumber("out", row.Out);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("target_by_type");
        foreach (var c in r.TargetOps)
        {
            json.WriteStartObject();
            json.WriteString("op", c.Op);
            json.WriteNumber("count", c.Count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        var (transposesIn, transposesOut) = OpRow.Transposes(r);
        json.WriteStartObject("transposes");
        json.WriteNumber("in", transposesIn);
        json.WriteNumber("out", transposesOut);
        json.WriteEndObject();

        json.WriteStartArray("outputs");
        foreach (var file in r.Outputs)
        {
            json.WriteStartObject();
            json.WriteString("path", file.Path);
            json.WriteNumber("bytes", file.Size);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("time_ms");
        json.WriteNumber("read", Math.Round(r.Timings.Read.TotalMilliseconds, 3));
        json.WriteNumber("passes", Math.Round(r.Timings.Passes.TotalMilliseconds, 3));
        json.WriteNumber("prepare", Math.Round(r.Timings.Prepare.TotalMilliseconds, 3));
        json.WriteNumber("write", Math.Round(r.Timings.Write.TotalMilliseconds, 3));
        json.WriteNumber("total", Math.Round(r.Timings.Total.TotalMilliseconds, 3));
        json.WriteEndObject();
        WriteStrings(json, "warnings", r.Warnings);
        WriteStrings(json, "writer_notes", r.WriterNotes);
        WriteStrings(json, "pass_log", r.PassLog);

        json.WriteStartArray("op_mapping");
        foreach (var m in r.OpMappings)
        {
            json.WriteStartObject();
            json.WriteString("node", m.Node);
            json.WriteString("op", m.Op);
            json.WriteString("status", m.Status);
            json.WriteStartArray("into");
            foreach (var n in m.Into)
            {
                json.WriteStartObject();
                json.WriteString("node", n.Node);
                json.WriteString("op", n.Op);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (verification is not null)
        {
            WriteVerification(json, verification);
        }

        json.WriteEndObject();
    }

    private static void WriteVerification(Utf8JsonWriter json, VerificationResult v)
    {
        json.WriteStartObject("verify");
        json.WriteString("checker", v.Checker);
        if (v.Note is not null)
        {
            json.WriteString("note", v.Note);
        }

        json.WriteString("inputs", v.InputsFrom);
        json.WriteNumber("atol", v.Atol);
        json.WriteNumber("rtol", v.Rtol);
        json.WriteBoolean("passed", v.Passed);
        json.WriteStartArray("outputs");
        foreach (var e in v.Outputs)
        {
            json.WriteStartObject();
            json.WriteString("name", e.Name);
            json.WriteString("shape", e.Shape);
            WriteNumber(json, "max_abs", e.MaxAbs);
            WriteNumber(json, "max_rel", e.MaxRel);
            json.WriteBoolean("within_tolerance", e.WithinTolerance);
            if (e.Problem is not null)
            {
                json.WriteString("problem", e.Problem);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>JSON has no infinity; an unmatched output is reported as null.</summary>
    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }
}
