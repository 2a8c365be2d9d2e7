using System.Text.Json;
using Distributed.Trainer.Checkpoint;
using Microsoft.Extensions.Logging;

namespace Distributed.Trainer.Training.Checkpoints;

/// <summary>
/// Writes snapshots as checkpoints: each into a new checkpoint (step-N; a leftover of that name from a crash is
/// removed first), every file written atomically and checksummed on its way out, the commit marker last. Then
/// retention: committed checkpoints beyond the newest keep_checkpoints are deleted, and so are uncommitted ones
/// older than the newest commit (left by a crash; this writer is their only author).
/// </summary>
public sealed partial class CheckpointWriter(ICheckpointStore store, int keep, ILogger<CheckpointWriter> log)
{
    public ICheckpointStore Store => store;

    /// <summary>Writes the snapshot and returns where it is (what `train --resume` takes).</summary>
    public async Task<string> WriteAsync(TrainingSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        var name = CheckpointLayout.NameOf(snapshot.Step);
        if ((await store.ListAsync(cancellationToken).ConfigureAwait(false)).Contains(name))
            await store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        var files = new List<(string File, long Bytes, string Sha256)>();
        async Task Write(string file, Action<Stream> write)
        {
            await store.WriteAsync(name, file, (stream, ct) =>
            {
                using var hashing = new CountingStream(stream, hash: true);
                write(hashing);
                files.Add((file, hashing.Written, hashing.Sha256()));
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
        }
        await Write(CheckpointLayout.Config, s => s.Write(snapshot.ModelConfig)).ConfigureAwait(false);
        await Write(CheckpointLayout.Model, s => Safetensors(snapshot.Model, hf: true).WriteTo(s)).ConfigureAwait(false);
        if (snapshot.Objective.Count > 0)
            await Write(CheckpointLayout.Objective, s => Safetensors(snapshot.Objective, hf: false).WriteTo(s)).ConfigureAwait(false);
        await Write(CheckpointLayout.Optimizer, s => Safetensors(snapshot.Optimizer, hf: false).WriteTo(s)).ConfigureAwait(false);
        await Write(CheckpointLayout.TrainerState, s => WriteState(s, snapshot)).ConfigureAwait(false);
        // The commit point: only now is the checkpoint loadable.
        await store.WriteAsync(name, CheckpointLayout.CommitMarker, (s, ct) =>
        {
            WriteMarker(s, snapshot.Step, files);
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        var location = store.Describe(name);
        LogCommitted(snapshot.Step, location, files.Sum(f => f.Bytes));
        await ApplyRetentionAsync(snapshot.Step, cancellationToken).ConfigureAwait(false);
        return location;
    }

    private async Task ApplyRetentionAsync(long committedStep, CancellationToken cancellationToken)
    {
        var committed = new List<(string Name, long Step)>();
        foreach (var name in await store.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (CheckpointLayout.StepOf(name) is not { } step) continue;
            if (await store.ExistsAsync(name, CheckpointLayout.CommitMarker, cancellationToken).ConfigureAwait(false)) committed.Add((name, step));
            else if (step < committedStep)
            {
                LogDeleted(name, "never committed");
                await store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
            }
        }
        foreach (var (name, _) in committed.OrderByDescending(c => c.Step).Skip(keep))
        {
            LogDeleted(name, $"keep_checkpoints is {keep}");
            await store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        }
    }

    private static SafetensorsWriter Safetensors(IReadOnlyList<HostTensor> tensors, bool hf)
    {
        var writer = new SafetensorsWriter();
        if (hf) writer.Metadata["format"] = "pt";
        foreach (var t in tensors) t.AddTo(writer);
        return writer;
    }

    private static void WriteState(Stream stream, TrainingSnapshot snapshot)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("format_version", CheckpointLayout.FormatVersion);
        json.WriteNumber("step", snapshot.Step);
        json.WriteString("model_type", snapshot.ModelType);
        json.WritePropertyName("cursor");
        json.WriteRawValue(snapshot.Cursor.ToJson());
        json.WritePropertyName("job");
        json.WriteRawValue(snapshot.Job.ToJson());
        json.WriteEndObject();
    }

    private static void WriteMarker(Stream stream, long step, List<(string File, long Bytes, string Sha256)> files)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("format_version", CheckpointLayout.FormatVersion);
        json.WriteNumber("step", step);
        json.WriteStartObject("files");
        foreach (var (file, bytes, sha) in files)
        {
            json.WriteStartObject(file);
            json.WriteNumber("bytes", bytes);
            json.WriteString("sha256", sha);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Checkpoint of step {Step} committed: {Location} ({Bytes:N0} bytes)")]
    private partial void LogCommitted(long step, string location, long bytes);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Deleted checkpoint {Checkpoint} ({Reason})")]
    private partial void LogDeleted(string checkpoint, string reason);
}
