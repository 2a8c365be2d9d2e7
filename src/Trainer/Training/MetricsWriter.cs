using System.Text.Json;
using Distributed.Trainer.Objectives;

namespace Distributed.Trainer.Training;

/// <summary>
/// Metrics as JSON lines (metrics.jsonl in the run's directory): one object per step (step, loss, lr, grad_norm,
/// samples, tokens, tokens_per_s, the step-time breakdown in seconds, mfu when the device's peak is known) and one
/// per evaluation ({"step", "eval": {...}}). Each line is flushed as it is written, so a dashboard can tail it.
/// </summary>
public sealed class MetricsWriter : IDisposable
{
    private readonly FileStream _file;

    public MetricsWriter(string path, bool append)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _file = new FileStream(path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read);
        FilePath = path;
    }

    public string FilePath { get; }

    public void WriteStep(StepMetrics m, double tokensPerSecond, double checkpointSeconds, double? mfu) => Line(json =>
    {
        json.WriteNumber("step", m.Step);
        Number(json, "loss", m.Loss);
        Number(json, "lr", m.Lr);
        Number(json, "grad_norm", m.GradNorm);
        json.WriteNumber("epoch", m.Epoch);
        json.WriteNumber("samples", m.Samples);
        json.WriteNumber("tokens", m.Tokens);
        Number(json, "tokens_per_s", Math.Round(tokensPerSecond, 1));
        Number(json, "step_s", m.Seconds + checkpointSeconds);
        Number(json, "data_s", m.DataSeconds);
        Number(json, "compute_s", m.ComputeSeconds);
        Number(json, "sync_s", m.SyncSeconds);
        Number(json, "optimizer_s", m.OptimizerSeconds);
        Number(json, "checkpoint_s", checkpointSeconds);
        if (mfu is { } u) Number(json, "mfu", u);
    });

    public void WriteEvaluation(long step, Evaluation e) => Line(json =>
    {
        json.WriteNumber("step", step);
        json.WriteStartObject("eval");
        json.WriteNumber("samples", e.Samples);
        foreach (var (name, value) in e.Metrics) Number(json, name, value);
        json.WriteEndObject();
    });

    // JSON has no NaN or infinity: a diverged loss is written as null.
    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }

    private void Line(Action<Utf8JsonWriter> body)
    {
        using (var json = new Utf8JsonWriter(_file))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }
        _file.WriteByte((byte)'\n');
        _file.Flush();
    }

    public void Dispose() => _file.Dispose();
}
