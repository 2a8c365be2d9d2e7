using System.Text.Json;
using Distributed.Grains.Checkpoints;
using Distributed.Grains.Jobs;
using Distributed.Grains.Workers;

namespace Distributed.Dashboard.Tests.Fakes;

/// <summary>
/// A job-grain double that simulates training on a grain timer: one step every <c>stepMs</c> of the job file
/// (<c>{"steps": N, "stepMs": M}</c>), a falling loss, per-rank step reports, an evaluation every 5 steps (with
/// AutoCompressor per-segment measures), checkpoints on request, and the state machine the real grain has for cancel,
/// resume and a lost worker (detected on the next tick: worker-lost, recovering, a new world of the survivors).
/// </summary>
public sealed class FakeJobGrain(FakeWorkers workers) : Grain, IJobGrain
{
    private readonly List<StepPoint> _history = [];
    private readonly List<JobEvent> _events = [];
    private readonly List<EvaluationReport> _evaluations = [];
    private readonly List<CheckpointInfo> _checkpoints = [];
    private JobSpec? _spec;
    private JobState _state;
    private long _step;
    private long _total;
    private int _worldNumber;
    private List<WorldMember> _world = [];
    private List<StepReport> _lastSteps = [];
    private IGrainTimer? _timer;
    private TimeSpan _period;
    private DateTimeOffset _created;
    private DateTimeOffset _updated;
    private bool _checkpointRequested;

    private string Id => this.GetPrimaryKeyString();

    private string? WorldId => _world.Count == 0 ? null : $"{Id}-w{_worldNumber}";

    public async Task<JobStatus> SubmitAsync(JobSpec spec)
    {
        if (_spec is not null) throw new InvalidOperationException($"job {Id} exists already");
        using var file = JsonDocument.Parse(spec.JobFileJson);
        _total = file.RootElement.GetProperty("steps").GetInt64();
        _period = TimeSpan.FromMilliseconds(file.RootElement.GetProperty("stepMs").GetInt32());
        _spec = spec;
        _created = DateTimeOffset.UtcNow;
        Event(JobEventKinds.Submitted, $"submitted: {_total} steps, {spec.MinWorkers}-{spec.MaxWorkers} workers");
        FormWorld([.. Enumerable.Range(0, workers.Count).Where(workers.IsAlive).Take(spec.MaxWorkers)]);
        Start();
        return await PublishAsync();
    }

    public Task<JobStatus> GetStatusAsync() => Task.FromResult(Status());

    public Task<IReadOnlyList<StepPoint>> GetHistoryAsync(long fromStep, int max) =>
        Task.FromResult<IReadOnlyList<StepPoint>>([.. _history.Where(p => p.Step >= fromStep).TakeLast(max)]);

    public async Task<JobStatus> CancelAsync()
    {
        if (IsFinal) throw new InvalidOperationException($"job {Id} is {_state} already: nothing to cancel");
        Event(JobEventKinds.CancelRequested, "cancel requested");
        Stop(JobState.Cancelled, JobEventKinds.Cancelled, $"cancelled at step {_step}");
        return await PublishAsync();
    }

    public async Task<JobStatus> ResumeAsync()
    {
        if (_state is not (JobState.Cancelled or JobState.Failed)) throw new InvalidOperationException($"job {Id} is {_state}: only a cancelled or failed job resumes");
        Event(JobEventKinds.Resumed, $"resumed from step {_step}");
        FormWorld([.. Enumerable.Range(0, workers.Count).Where(workers.IsAlive).Take(_spec!.MaxWorkers)]);
        Start();
        return await PublishAsync();
    }

    public Task<JobStatus> CheckpointNowAsync()
    {
        if (_state is not JobState.Running) throw new InvalidOperationException($"job {Id} is {_state}: a checkpoint needs a running job");
        _checkpointRequested = true;
        return Task.FromResult(Status());
    }

    public Task ReportStepAsync(StepReport report) => throw new NotSupportedException("the double trains by itself");

    public Task ReportEvaluationAsync(string worldId, EvaluationReport report) => throw new NotSupportedException("the double trains by itself");

    public Task ReportFailureAsync(string worldId, int rank, string error) => throw new NotSupportedException("the double trains by itself");

    public Task ReportLeftWorldAsync(string worldId, int rank, int gpu, long step, bool replicaKept, string reason) =>
        throw new NotSupportedException("the double trains by itself");

    public Task ReportFinishedAsync(string worldId, int rank, long step) => throw new NotSupportedException("the double trains by itself");

    public Task ReportCheckpointAsync(CheckpointInfo checkpoint) => throw new NotSupportedException("the double trains by itself");

    private bool IsFinal => _state is JobState.Completed or JobState.Failed or JobState.Cancelled;

    private void Start()
    {
        _state = JobState.Running;
        _timer?.Dispose();
        _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(_period, _period) { KeepAlive = true });
    }

    private void Stop(JobState state, string kind, string detail)
    {
        _timer?.Dispose();
        _timer = null;
        foreach (var m in _world) workers.Set(workers.Get(m.Gpu) with { State = WorkerState.Idle, JobId = null, WorldId = null });
        _world = [];
        _lastSteps = [];
        _state = state;
        Event(kind, detail);
    }

    private void FormWorld(IReadOnlyList<int> gpus)
    {
        _worldNumber++;
        _world = [.. gpus.Select((g, rank) => new WorldMember(rank, g, "fake-silo"))];
        Event(JobEventKinds.WorldFormed, $"world {WorldId}: {_world.Count} workers (GPUs {string.Join(",", gpus)})", _step, WorldId);
    }

    private async Task TickAsync(CancellationToken ct)
    {
        if (_state is JobState.Recovering)
        {
            FormWorld([.. _world.Select(m => m.Gpu).Where(workers.IsAlive)]);
            _state = JobState.Running;
            Event(JobEventKinds.Resumed, $"continued from step {_step} with {_world.Count} workers", _step, WorldId);
            await PublishAsync();
            return;
        }
        var lost = _world.Where(m => !workers.IsAlive(m.Gpu)).ToList();
        if (lost.Count > 0)
        {
            foreach (var m in lost) Event(JobEventKinds.WorkerLost, $"rank {m.Rank} (GPU {m.Gpu} on {m.Silo}) lost: no live silo owns it", _step, WorldId);
            _state = _world.Count - lost.Count >= _spec!.MinWorkers ? JobState.Recovering : JobState.Failed;
            if (_state is JobState.Failed) Stop(JobState.Failed, JobEventKinds.Failed, "too few workers left");
            await PublishAsync();
            return;
        }
        _step++;
        var now = DateTimeOffset.UtcNow;
        var loss = 1.5 + (8.5 * Math.Exp(-_step / 40.0));
        _lastSteps = [.. _world.Select(m => new StepReport(WorldId!, m.Rank, m.Gpu, _step, loss, 1e-3 * Math.Min(1, _step / 10.0), 2.0 / Math.Sqrt(_step), 8, 8192,
            4000 + (100 * m.Rank), 0.002, 0.050 + (0.005 * m.Rank), 0.010, 0.004, _checkpointRequested ? 0.02 : 0, 0.31, now, (100L + m.Rank) << 20))];
        foreach (var r in _lastSteps)
            workers.Set(new WorkerStatus(r.Gpu, "fake-silo", "cpu", WorkerState.Training, Id, WorldId, r.Rank, _step, now, r.MemoryBytes, null));
        _history.Add(new StepPoint(_step, loss, _lastSteps[0].Lr, _lastSteps[0].GradNorm, _lastSteps.Sum(r => r.TokensPerSecond), 0.31, _world.Count, now, _lastSteps));
        if (_step % 5 == 0)
        {
            _evaluations.Add(new EvaluationReport(_step, loss + 0.1,
                [new Metric("loss_with_summaries", loss), new Metric("loss_without_summaries", loss + 0.3),
                 .. Enumerable.Range(0, 3).SelectMany(i => new[] { new Metric($"segment_{i}_loss_with_summaries", loss - (0.1 * i)), new Metric($"segment_{i}_loss_without", loss + 0.3) })],
                64, now));
            Event(JobEventKinds.Evaluated, $"eval loss {loss + 0.1:F3}", _step, WorldId);
        }
        if (_checkpointRequested)
        {
            _checkpointRequested = false;
            var plan = await GrainFactory.GetGrain<ICheckpointGrain>(Id).BeginAsync("/tmp/fake-checkpoints", _step, _world.Count, 2, 0, 0, "fake-w1");
            _checkpoints.Add((await GrainFactory.GetGrain<ICheckpointGrain>(Id).ListAsync()).Single(c => c.Name == plan.Name));
            Event(JobEventKinds.CheckpointCommitted, $"checkpoint {plan.Name} committed", _step, WorldId);
        }
        if (_step >= _total) Stop(JobState.Completed, JobEventKinds.Completed, $"completed {_total} steps");
        await PublishAsync();
    }

    private void Event(string kind, string detail, long? step = null, string? worldId = null)
    {
        _events.Add(new JobEvent(DateTimeOffset.UtcNow, kind, detail, step, worldId));
        _updated = DateTimeOffset.UtcNow;
    }

    private JobStatus Status() => new(Id, _spec!, _state, _step, _total, WorldId, [.. _world], [.. _lastSteps], [.. _evaluations],
        [.. _checkpoints], [.. _events], _state is JobState.Failed ? "too few workers left" : null, _created, _updated);

    private async Task<JobStatus> PublishAsync()
    {
        _updated = DateTimeOffset.UtcNow;
        await GrainFactory.GetGrain<IJobRegistryGrain>(IJobRegistryGrain.Key)
            .UpsertAsync(new JobSummary(Id, _spec!.Name, _state, _step, _total, _world.Count, _created, _updated));
        return Status();
    }
}
