using System.Buffers.Binary;
using Google.FlatBuffers;
using MgeConvert.Formats.Mge.Fbs;

namespace MgeConvert.Formats.Mge;

/// <summary>Loads one graph dump (FBS v1 <c>MGBS</c>/<c>MGBC</c> or FBS v2 <c>mgv2</c>) starting at a file offset.</summary>
internal static class MgeDumpLoader
{
    public static MgeDump Load(string file, byte[] bytes, int pos, MgeContainer container)
    {
        try
        {
            return container == MgeContainer.Mgv2 ? LoadV2(file, bytes, pos) : LoadV1(file, bytes, pos, container);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or InvalidOperationException)
        {
            throw new ModelFormatException(file, $"corrupt graph dump: {e.Message}", pos, inner: e);
        }
    }

    private static MgeDump LoadV2(string file, byte[] bytes, int pos)
    {
        var (start, end) = SizePrefixed(file, bytes, pos, "mgv2");
        MgeDumpVerifier.VerifyModelV2(new FlatBufferChecker(file, bytes, start, end));
        var model = Fbs.V2.Model.GetRootAsModel(new ByteBuffer(bytes, start));
        if (model.ModelVersion > 2)
        {
            throw new ModelFormatException(file, $"mgv2 model_version {model.ModelVersion} is newer than the supported version 2", pos);
        }

        var dump = new MgeDump
        {
            Container = "mgv2",
            Version = model.MgeVersion,
            OptimizeOptions = model.Metadata?.OptimizeOptions ?? 0,
            End = end,
        };
        for (var i = 0; i < model.MiddleTensorsLength; i++)
        {
            if (model.MiddleTensors(i)?.Name is { } name)
            {
                dump.VarNames[i] = name;
            }
        }

        var nextVar = 0;
        for (var i = 0; i < model.OprsLength; i++)
        {
            var op = model.Oprs(i)!.Value;
            var cls = MgeOperatorTypes.FromName(op.Type) ?? MgeOperatorTypes.FromId(op.TypeId);
            var record = new MgeOperatorRecord
            {
                Index = i,
                Type = cls ?? (string.IsNullOrEmpty(op.Type) ? $"type id {op.TypeId}" : op.Type),
                IsKnownType = cls is not null,
                TypeId = op.TypeId,
                TypeName = op.Type,
                OprVersion = op.OprVersion,
                Inputs = op.GetInputsArray() ?? [],
                Params = Params(op.ParamType, op.Param<RawTable>(), op.AdditionalParamsLength, op.AdditionalParamsType, j => op.AdditionalParams<RawTable>(j)),
                Tensors = [.. Enumerable.Range(0, op.TensorsLength).Select(j => TensorV2(op.Tensors(j)!.Value))],
                OutputDType = op.OutputDtype is { } od ? MgeDType.From(od) : null,
                Name = op.Name,
            };
            if (record.Params.Count > 1 && op.OprVersion == 1)
            {
                // MegEngine's v2 loader reads exactly one param for version-1 records (docs/mge-format.md §9).
                throw new ModelFormatException(file,
                    $"{record.Describe} is a version-1 record with {record.Params.Count} params, which MegEngine cannot load from an mgv2 file " +
                    "(dumped with model_version=1?); re-dump with the default model_version=2", op: record.Describe);
            }

            foreach (var id in op.GetOutputsArray() ?? [])
            {
                if (id != nextVar)
                {
                    throw new ModelFormatException(file, $"{record.Describe} declares output var {id}, expected the next var id {nextVar}", op: record.Describe);
                }

                record.Outputs.Add(nextVar++);
            }

            dump.Operators.Add(record);
        }

        dump.VarCount = nextVar;
        var originals = new Dictionary<uint, int>();
        for (var i = 0; i < model.OutputVarsIdxLength; i++)
        {
            var o = model.OutputVarsIdx(i)!.Value;
            originals.TryAdd(o.OriginalId, (int)o.CompactId);
            dump.Outputs.Add(((int)o.CompactId, dump.VarNames.GetValueOrDefault((int)o.CompactId)));
        }

        if (model.OutputAliasLength > 0)
        {
            dump.Outputs.Clear();
            for (var i = 0; i < model.OutputAliasLength; i++)
            {
                var alias = model.OutputAlias(i)!.Value;
                if (!originals.TryGetValue(alias.Id, out var var))
                {
                    throw new ModelFormatException(file, $"output alias {alias.Name} refers to unknown output {alias.Id}", pos);
                }

                dump.Outputs.Add((var, alias.Name));
            }
        }

        return dump;
    }

    private static MgeDump LoadV1(string file, byte[] bytes, int pos, MgeContainer container)
    {
        var headerOffset = container == MgeContainer.Mgbc ? 16 : 8;
        Require(file, bytes, pos, headerOffset + 8, "FBS v1 header");
        var tensorArea = pos + headerOffset + 8;
        var areaSize = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(pos + headerOffset));
        if (areaSize > (ulong)(bytes.Length - tensorArea))
        {
            throw new ModelFormatException(file,
                $"corrupt or truncated graph dump: the tensor area of {areaSize} bytes runs past the end of the file ({bytes.Length} bytes)", pos + headerOffset);
        }

        var (start, end) = SizePrefixed(file, bytes, tensorArea + (int)areaSize, "mgb1");
        MgeDumpVerifier.VerifyGraphV1(new FlatBufferChecker(file, bytes, start, end));
        var graph = Fbs.V1.Graph.GetRootAsGraph(new ByteBuffer(bytes, start));
        var dump = new MgeDump
        {
            Container = container == MgeContainer.Mgbc ? "MGBC" : "MGBS",
            Version = graph.MgbVersion,
            OptimizeOptions = graph.Metadata?.OptimizeOptions ?? 0,
            End = end,
        };

        var cursor = (long)tensorArea;
        var areaEnd = tensorArea + (long)areaSize;
        var nextVar = 0;
        for (var i = 0; i < graph.OprsLength; i++)
        {
            var op = graph.Oprs(i)!.Value;
            var cls = MgeOperatorTypes.FromId(op.TypeId);
            var tensors = new List<MgeTensorRecord>();
            for (var j = 0; j < op.TensorsLength; j++)
            {
                var t = op.Tensors(j)!.Value;
                ReadOnlyMemory<byte>? data = null;
                if (t.DataSize > 0)
                {
                    cursor += t.Offset;
                    if (cursor + t.DataSize > areaEnd)
                    {
                        throw new ModelFormatException(file,
                            $"corrupt graph dump: tensor {j} of operator #{i} needs {t.DataSize} bytes beyond the tensor area (ends at byte {areaEnd})", cursor);
                    }

                    data = new ReadOnlyMemory<byte>(bytes, (int)cursor, (int)t.DataSize);
                    cursor += t.DataSize;
                }

                tensors.Add(new MgeTensorRecord(t.Name, Shape(t.GetShapeArray()), MgeDType.From(t.Dtype), data));
            }

            var names = Enumerable.Range(0, op.OutputNameLength).Select(op.OutputName).ToArray();
            var record = new MgeOperatorRecord
            {
                Index = i,
                Type = cls ?? $"type id {op.TypeId}",
                IsKnownType = cls is not null,
                TypeId = op.TypeId,
                Inputs = op.GetInputsArray() ?? [],
                Params = Params(op.ParamType, op.Param<RawTable>(), op.AdditionalParamsLength, op.AdditionalParamsType, j => op.AdditionalParams<RawTable>(j)),
                Tensors = tensors,
                OutputDType = op.OutputDtype is { } od ? MgeDType.From(od) : null,
                Name = op.Name,
            };
            var count = names.Length > 0 ? names.Length : MgeOutputCounts.Numbered(record, graph.MgbVersion, BlobCount(op));
            for (var k = 0; k < count; k++)
            {
                if (k < names.Length)
                {
                    dump.VarNames[nextVar] = names[k];
                }

                record.Outputs.Add(nextVar++);
            }

            dump.Operators.Add(record);
        }

        dump.VarCount = nextVar;
        for (var i = 0; i < graph.OutputVarsIdxLength; i++)
        {
            var o = graph.OutputVarsIdx(i)!.Value;
            dump.Outputs.Add(((int)o.CompactId, dump.VarNames.GetValueOrDefault((int)o.CompactId)));
        }

        return dump;
    }

    private static int? BlobCount(Fbs.V1.Operator op)
    {
        if (op.BlobsLength == 0 || op.Blobs(0)!.Value.GetDataArray() is not { Length: >= 4 } blob)
        {
            return null;
        }

        return (int)BinaryPrimitives.ReadUInt32LittleEndian(blob);
    }

    private static MgeTensorRecord TensorV2(Fbs.V2.Tensor t)
    {
        ReadOnlyMemory<byte>? data = t.GetDataBytes() is { } seg ? seg.AsMemory() : null;
        return new MgeTensorRecord(t.Name, Shape(t.GetShapeArray()), MgeDType.From(t.Dtype), data);
    }

    private static long[] Shape(uint[]? dims) => dims is null ? [] : Array.ConvertAll(dims, d => (long)d);

    private static List<MgeParam> Params(OperatorParam tag, RawTable? first, int count, Func<int, OperatorParam> tags, Func<int, RawTable?> tables)
    {
        var result = new List<MgeParam>();
        if (tag != OperatorParam.NONE && first is { } f)
        {
            result.Add(new MgeParam(tag, f.ByteBuffer, f.Position));
        }

        for (var j = 0; j < count; j++)
        {
            if (tags(j) != OperatorParam.NONE && tables(j) is { } t)
            {
                result.Add(new MgeParam(tags(j), t.ByteBuffer, t.Position));
            }
        }

        return result;
    }

    /// <summary>[u32 size][u32 root][4-char identifier]…; returns the buffer span after the size word.</summary>
    private static (int Start, int End) SizePrefixed(string file, byte[] bytes, int pos, string identifier)
    {
        Require(file, bytes, pos, 12, "FlatBuffer size prefix and identifier");
        var size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos));
        var start = pos + 4;
        if (size > (uint)(bytes.Length - start))
        {
            throw new ModelFormatException(file,
                $"corrupt or truncated graph dump: the FlatBuffer declares {size} bytes but only {bytes.Length - start} follow", pos);
        }

        if (System.Text.Encoding.ASCII.GetString(bytes, start + 4, 4) != identifier)
        {
            throw new ModelFormatException(file, $"expected the FlatBuffer identifier \"{identifier}\"", start + 4);
        }

        return (start, start + (int)size);
    }

    private static void Require(string file, byte[] bytes, int pos, int count, string what)
    {
        if (pos < 0 || pos + (long)count > bytes.Length)
        {
            throw new ModelFormatException(file, $"truncated graph dump: {what} needs {count} bytes at byte {pos}, the file has {bytes.Length}", pos);
        }
    }
}
