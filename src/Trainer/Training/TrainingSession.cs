using System.Diagnostics;
using Distributed.Trainer.Data;
using Distributed.Trainer.Models;
using Distributed.Trainer.Nn;
using Distributed.Trainer.Objectives;
using Distributed.Trainer.Optim;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training.Checkpoints;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Distributed.Trainer.Training;

/// <summary>
/// One rank's training of a job, steppable from outside: <see cref="Step"/> takes exactly one optimizer step on
/// this rank's share of the global batch, <see cref="Evaluate"/> runs the held-out evaluation, and
/// <see cref="Snapshot"/> / <see cref="Restore"/> move the whole state in and out at a step boundary. The
/// single-process `train` command drives one session (<see cref="TrainingRun"/>); a cluster worker drives one per
/// GPU with a gradient sync over its world.
/// Data-parallel equivalence holds by construction: a step covers the next <c>batch</c> samples of the global
/// sample order (a pure function of dataset, seed and epoch); rank r of W takes every W-th of them
/// (<see cref="RankSlice.StepPositions"/>) and accumulates them in micro-batches, each sample's gradient scaled
/// by 1 / (samples in the step), so the SUM over ranks is the single-process gradient; the reported loss is the
/// global mean. Every random choice of a sample is a function of (seed, epoch, sample index).
/// </summary>
public sealed partial class TrainingSession : IDisposable
{
    private readonly FlatParameters _parameters;
    private readonly AdamW _optimizer;
    private readonly LrSchedule _schedule;
    private readonly ILogger<TrainingSession> _log;
    private IGradientSync _sync;
    private DataCursor _cursor;
    private SnapshotStaging? _staging;
    private (int Model, int Objective) _snapshotCounts;

    private TrainingSession(JobFile job, WorldInfo world, IGradientSync sync, JobData data, Objective objective, Device device, DType dtype,
        ILoggerFactory loggers, bool initialised)
    {
        Job = job;
        World = world;
        Data = data;
        Objective = objective;
        Device = device;
        DType = dtype;
        _sync = sync;
        _log = loggers.CreateLogger<TrainingSession>();
        ParameterCount = objective.Module.ParameterCount;
        _parameters = FlatParameters.Build(objective.Module, device, dtype, copyValues: initialised);
        _optimizer = new AdamW(_parameters, new AdamWOptions(WeightDecay: job.WeightDecay));
        _schedule = new LrSchedule(job.Lr, job.WarmupSteps ?? Math.Min(20, job.Steps / 10), job.Steps, job.MinLr ?? job.Lr / 10);
        _cursor = new DataCursor(objective.Train.DatasetId, objective.Train.Seed, 0, 0);
    }

    // A GPU session pins its snapshot buffers once its first step is done, in the background: the first checkpoint's
    // stall is then only the copies' queueing, as every later one's. Not earlier: pinning gigabytes holds the CUDA
    // driver (OPT-1.3B's 7.28 GB take seconds), and what waited behind it was the time to the first step after a
    // failure: a restore's copies to the device (5.2 s instead of 0.8 s on an H200 host) and the first step itself.
    private void StartSnapshotStaging()
    {
        if (!Device.IsCuda || _staging is not null) return;
        using var scope = TensorScope.Begin();
        Staging(SnapshotSlots());
    }

    // The session's snapshot buffers, built on first need for the slots' dtypes and shapes.
    private SnapshotStaging Staging(IReadOnlyList<SnapshotSlot> slots) =>
        _staging ??= new SnapshotStaging([.. slots.Select(s => (s.Source.DType, s.Source.Shape))], Device);

    public JobFile Job { get; }

    /// <summary>This rank's place in the world it trains in now (it changes when the session moves to a new world).</summary>
    public WorldInfo World { get; private set; }

    public JobData Data { get; }

    public Objective Objective { get; }

    public Device Device { get; }

    public DType DType { get; }

    /// <summary>Optimizer steps taken; the learning-rate schedule's position.</summary>
    public long StepCount => _optimizer.StepCount;

    /// <summary>Where training stands in the global sample order.</summary>
    public DataCursor Cursor => _cursor;

    public long ParameterCount { get; }

    public long TrainableParameterCount => _parameters.TrainableElements;

    /// <summary>
    /// Opens the job's data, builds and checks its model and objective (vocabulary, context length, device,
    /// dtype: each error names the job-file field or flag to change), and places the parameters on the device.
    /// With <paramref name="resume"/> the session continues from that state; otherwise from init_from's weights
    /// when the job names a checkpoint there. <paramref name="data"/> replaces the job's dataset with one already open.
    /// </summary>
    /// <param name="weightsFollow">The caller writes every parameter before using the session (a rank that joins a world
    /// receives the replica by <see cref="BroadcastState"/>; `eval` restores a checkpoint's weights): the parameters
    /// are not initialised.</param>
    public static async Task<TrainingSession> CreateAsync(JobFile job, WorldInfo world, IGradientSync? sync = null, ILoggerFactory? loggers = null,
        TrainingSnapshot? resume = null, JobData? data = null, bool weightsFollow = false, CancellationToken cancellationToken = default)
    {
        job.Validate();
        world.Validate();
        sync ??= NoGradientSync.Instance;
        if (sync.WorldSize != world.WorldSize)
            throw new ArgumentException($"the gradient sync spans {sync.WorldSize} ranks, the world has {world.WorldSize}", nameof(sync));
        var device = ParseDevice(job.Device);
        var dtype = ParseDType(job.DType);
        var clock = Stopwatch.StartNew();
        data ??= await JobData.OpenAsync(job, cancellationToken).ConfigureAwait(false);
        var dataSeconds = clock.Elapsed.TotalSeconds;
        // Every parameter is overwritten below (restore, init_from) or by the caller (a broadcast): initialising them
        // first would only cost time, 13 s for OPT-1.3B on a 2-thread worker. Each of those writes checks that it
        // covers every parameter.
        var overwritten = resume is not null || job.InitFrom is not null || weightsFollow;
        CausalLm model;
        Objective objective;
        using (overwritten ? ParameterInit.Skip() : null)
        {
            using (var generator = new Generator(job.Seed)) model = ModelFactory.Create(job, data, generator);
            try
            {
                objective = ObjectiveFactory.Create(job, model, data);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        var modelSeconds = clock.Elapsed.TotalSeconds - dataSeconds;
        TrainingSession? session = null;
        try
        {
            session = new TrainingSession(job, world, sync, data, objective, device, dtype, loggers ?? NullLoggerFactory.Instance, initialised: !overwritten);
            var placedSeconds = clock.Elapsed.TotalSeconds - dataSeconds - modelSeconds;
            if (resume is not null)
            {
                session.Restore(resume);
            }
            else if (job.InitFrom is { } init)
            {
                var (store, name) = await CheckpointReader.ResolveAsync(init, cancellationToken).ConfigureAwait(false);
                session.Restore(await CheckpointReader.LoadAsync(store, name, cancellationToken).ConfigureAwait(false), weightsOnly: true);
                session.LogInitialised(store.Describe(name));
            }
            var seconds = clock.Elapsed.TotalSeconds;
            session.LogCreated(job.Objective, model.ModelType, session.ParameterCount, session.TrainableParameterCount, data.Name,
                objective.Train.Count, objective.HeldOut.Count, device.ToString(), job.DType, LibTorch.Version.ToString(), world.Rank, world.WorldSize);
            session.LogSetUp(seconds, dataSeconds, modelSeconds, overwritten ? "built without initialising" : "built and initialised",
                placedSeconds, seconds - dataSeconds - modelSeconds - placedSeconds);
            return session;
        }
        catch
        {
            if (session is not null) session.Dispose();
            else objective.Dispose();
            throw;
        }
    }

    /// <summary>Exactly one optimizer step on this rank's share of the next global batch.</summary>
    public StepMetrics Step()
    {
        using var scope = TensorScope.Begin();
        var clock = Stopwatch.StartNew();
        var lr = _schedule.At(StepCount);
        var train = Objective.Train;
        var epoch = _cursor.Epoch;
        var globalSamples = RankSlice.StepSamples(_cursor, Job.Batch, train.Count);
        var order = new SampleOrder(train.Count, train.Seed, epoch);
        var indices = RankSlice.StepPositions(_cursor, World.Rank, World.WorldSize, Job.Batch, train.Count).Select(p => order[p]).ToList();
        var batches = indices.Chunk(Job.MicroBatch ?? Math.Max(1, indices.Count)).Select(c => Objective.Load(train, c, epoch)).ToList();
        var dataSeconds = clock.Elapsed.TotalSeconds;

        // --- forward and backward, micro-batch by micro-batch; the sync hears when the step's last backward pass
        // starts (the objective says when: an AutoCompressor document runs one backward per substep)
        _parameters.ZeroGrad();
        Tensor? lossSum = null;
        long tokens = 0;
        if (batches.Count == 0) _sync.LastBackwardStarting(_parameters); // a rank with no samples in an epoch's last step still syncs
        var armed = false;
        void BeforeLastBackward()
        {
            if (armed) throw new InvalidOperationException($"the {Objective.Name} objective announced its last backward twice in one step");
            armed = true;
            _sync.LastBackwardStarting(_parameters);
        }
        for (var i = 0; i < batches.Count; i++)
        {
            // Dropout (OPT) draws from libtorch's default generator: seeded per micro-batch, so a resumed run draws the same masks.
            LibTorch.ManualSeed((long)(SplitMix64.Derive((ulong)Job.Seed, (ulong)StepCount, (ulong)World.Rank, (ulong)i) >> 1));
            var loss = Objective.ForwardBackward(batches[i], 1.0 / globalSamples, i == batches.Count - 1 ? BeforeLastBackward : null);
            lossSum = lossSum is null ? loss : lossSum + loss;
            tokens += batches[i].Tokens;
        }
        if (batches.Count > 0 && !armed)
            throw new InvalidOperationException($"the {Objective.Name} objective never announced its last backward (ForwardBackward's beforeLastBackward)");
        double[] sums = [lossSum?.Item() ?? 0, tokens];
        var computeSeconds = clock.Elapsed.TotalSeconds - dataSeconds;

        // --- all-reduce: gradient buckets, then the loss and token sums
        _sync.LastBackwardFinished(_parameters);
        _sync.AllReduceSum(sums);
        var syncSeconds = clock.Elapsed.TotalSeconds - dataSeconds - computeSeconds;

        // --- clip, step
        var gradNorm = GradientClipping.ClipGradNorm(_parameters, Job.GradClip);
        _staging?.BeforeSourcesChange(); // a snapshot's copies may still be reading the weights and moments
        _optimizer.Step(lr);
        var norm = gradNorm.Item(); // the one read of the optimizer phase, after its work is queued
        _cursor = RankSlice.Advance(_cursor, 1, Job.Batch, train.Count);
        var optimizerSeconds = clock.Elapsed.TotalSeconds - dataSeconds - computeSeconds - syncSeconds;
        StartSnapshotStaging();
        return new StepMetrics(StepCount, sums[0] / globalSamples, norm, lr, globalSamples, (long)sums[1], epoch,
            dataSeconds, computeSeconds, syncSeconds, optimizerSeconds);
    }

    /// <summary>The held-out evaluation: rank r evaluates every W-th held-out sample; the sums are all-reduced.</summary>
    public Evaluation Evaluate()
    {
        var heldOut = Objective.HeldOut;
        var sums = new double[Objective.EvaluationLength];
        var mine = Enumerable.Range(0, (int)heldOut.Count).Where(i => i % World.WorldSize == World.Rank).Select(i => (long)i).ToList();
        Objective.Module.Eval();
        try
        {
            foreach (var chunk in mine.Chunk(Job.EvalBatch))
            {
                using var scope = TensorScope.Begin();
                using var noGrad = NoGradScope.Begin();
                var s = Objective.Evaluate(Objective.Load(heldOut, chunk, 0));
                for (var i = 0; i < sums.Length; i++) sums[i] += s[i];
            }
        }
        finally
        {
            Objective.Module.Train();
        }
        _sync.AllReduceSum(sums);
        return Objective.Summarize(sums);
    }

    /// <summary>
    /// Moves the session to another data-parallel world at a step boundary: a survivor of a lost peer, or a replica
    /// joining a grown world. The sync's world size must match. The replica state stays as it is; call
    /// <see cref="BroadcastState"/> next so that every rank of the new world starts from one replica.
    /// A step that failed in its collective leaves the state of the step boundary before it (the optimizer
    /// steps only after every sum arrived; gradients are zeroed at the start of each step), so a session whose
    /// world broke can move on.
    /// </summary>
    public void MoveToWorld(WorldInfo world, IGradientSync? sync)
    {
        ArgumentNullException.ThrowIfNull(world);
        world.Validate();
        sync ??= NoGradientSync.Instance;
        if (sync.WorldSize != world.WorldSize)
            throw new ArgumentException($"the gradient sync spans {sync.WorldSize} ranks, the world has {world.WorldSize}", nameof(sync));
        World = world;
        _sync = sync;
    }

    /// <summary>
    /// Makes every rank's replica rank <paramref name="root"/>'s, over the current world's sync: every parameter
    /// bucket (frozen ones too), both AdamW moments, the step count and the data cursor. A rank that joins a world
    /// (new or restarted) and survivors that stopped a step apart all continue from the root's step boundary.
    /// Returns the step the world continues from.
    /// </summary>
    public long BroadcastState(int root)
    {
        if (root < 0 || root >= World.WorldSize)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"the root must be a rank of the world (0-{World.WorldSize - 1})");
        if (World.WorldSize == 1) return StepCount;
        using var scope = TensorScope.Begin();
        // The position first: a rank that disagrees on the dataset or seed is refused before any weight moves.
        double[] position = [StepCount, _cursor.Epoch, _cursor.Consumed, Objective.Train.Count, _cursor.Seed >> 32, _cursor.Seed & 0xFFFF_FFFF];
        var header = Tensor.FromSpan<double>(position, [position.Length]).To(Device);
        _sync.Broadcast(header, root);
        var received = header.ToArray<double>();
        var seed = ((ulong)received[4] << 32) | (ulong)received[5];
        if (seed != _cursor.Seed || (long)received[3] != Objective.Train.Count)
            throw new JobException(
                $"rank {World.Rank} cannot take rank {root}'s replica: it trains {received[3]:F0} samples with seed {seed}, this rank {Objective.Train.Count} with seed {_cursor.Seed}; every rank must run the same job file");
        _staging?.BeforeSourcesChange(); // a snapshot's copies may still be reading the weights and moments
        using (NoGradScope.Begin())
        {
            foreach (var bucket in _parameters.Buckets) _sync.Broadcast(bucket.Data, root);
            foreach (var (_, m, v) in _optimizer.State)
            {
                _sync.Broadcast(m, root);
                _sync.Broadcast(v, root);
            }
        }
        _optimizer.SetStepCount((long)received[0]);
        _cursor = _cursor with { Epoch = (int)received[1], Consumed = (long)received[2] };
        return StepCount;
    }

    /// <summary>
    /// The whole training state in host memory, at this step boundary. It does not depend on the world size.
    /// Quick: the weights and moments are copied into host buffers that the session allocates once (pinned on a GPU,
    /// beside training from the session's start) and reuses; on a GPU the copies run on a side stream while training
    /// goes on, and the next optimizer step waits for them on the device, so the snapshot stays this boundary's state.
    /// The snapshot borrows the buffers until it is disposed (the checkpoint writers dispose it once written): take
    /// the next one only after that.
    /// </summary>
    public TrainingSnapshot Snapshot()
    {
        var model = Objective.Model;
        using var scope = TensorScope.Begin();
        var slots = SnapshotSlots();
        var lease = Staging(slots).Copy(slots, out var hosts);
        var weights = hosts.Take(_snapshotCounts.Model).ToList();
        var own = hosts.Skip(_snapshotCounts.Model).Take(_snapshotCounts.Objective).ToList();
        var moments = hosts.Skip(_snapshotCounts.Model + _snapshotCounts.Objective).ToList();
        return new TrainingSnapshot(Job, StepCount, _cursor, model.ModelType, model.ConfigJson(), weights, own, moments) { Lease = lease };
    }

    // What a snapshot copies, in its order: the model's weights (HF names), the objective's own parameters, then
    // each trainable parameter's two moments (views of the optimizer's flat buffers, saved in the parameter's shape).
    private List<SnapshotSlot> SnapshotSlots()
    {
        var model = Objective.Model;
        var baseParameters = HfCheckpoint.BaseParameters(model).ToList();
        var isBase = baseParameters.Select(x => x.Parameter).ToHashSet(ReferenceEqualityComparer.Instance);
        var slots = baseParameters.Select(x => new SnapshotSlot(model.HfNames.ToHf(x.Name), x.Parameter.Data, x.Parameter.Data.Shape)).ToList();
        var modelCount = slots.Count;
        slots.AddRange(Objective.Module.NamedParameters().Where(x => !isBase.Contains(x.Parameter)).Select(x => new SnapshotSlot(x.Name, x.Parameter.Data, x.Parameter.Data.Shape)));
        var objectiveCount = slots.Count - modelCount;
        foreach (var (bucket, m, v) in _optimizer.State)
        {
            foreach (var (name, p, offset) in bucket.Parameters)
            {
                slots.Add(new SnapshotSlot(TrainingSnapshot.ExpAvg + name, m.Narrow(0, offset, p.NumEl), p.Shape));
                slots.Add(new SnapshotSlot(TrainingSnapshot.ExpAvgSq + name, v.Narrow(0, offset, p.NumEl), p.Shape));
            }
        }
        _snapshotCounts = (modelCount, objectiveCount);
        return slots;
    }

    /// <summary>
    /// Takes a snapshot's state: weights (model and objective), and unless <paramref name="weightsOnly"/>, the
    /// optimizer's moments and step and the data cursor, so the next <see cref="Step"/> continues exactly.
    /// </summary>
    public void Restore(TrainingSnapshot snapshot, bool weightsOnly = false)
    {
        var model = Objective.Model;
        snapshot.WaitCopied();
        _staging?.BeforeSourcesChange();
        if (snapshot.ModelType != model.ModelType)
            throw new JobException($"the checkpoint holds a {snapshot.ModelType} model, this job builds a {model.ModelType} model");
        var baseParameters = HfCheckpoint.BaseParameters(model).ToList();
        var isBase = baseParameters.Select(x => x.Parameter).ToHashSet(ReferenceEqualityComparer.Instance);
        Copy(snapshot.Model, baseParameters.Select(x => (model.HfNames.ToHf(x.Name), x.Parameter.Data)), "model");
        Copy(snapshot.Objective, Objective.Module.NamedParameters().Where(x => !isBase.Contains(x.Parameter)).Select(x => (x.Name, x.Parameter.Data)), "objective");
        if (weightsOnly) return;
        var train = Objective.Train;
        if (snapshot.Cursor.DatasetId != train.DatasetId || snapshot.Cursor.Seed != train.Seed)
            throw new JobException(
                $"the checkpoint was trained on samples {snapshot.Cursor.DatasetId} with seed {snapshot.Cursor.Seed}, this job reads {train.DatasetId} with seed {train.Seed}: " +
                "resume with the same dataset, seed and sample settings (seq_len, substep_tokens, span_tokens, eval_samples)");
        using (var scope = TensorScope.Begin())
        {
            var slots = new List<(string, Tensor)>();
            foreach (var (bucket, m, v) in _optimizer.State)
            {
                foreach (var (name, p, offset) in bucket.Parameters)
                {
                    slots.Add((TrainingSnapshot.ExpAvg + name, m.Narrow(0, offset, p.NumEl).View(p.Shape)));
                    slots.Add((TrainingSnapshot.ExpAvgSq + name, v.Narrow(0, offset, p.NumEl).View(p.Shape)));
                }
            }
            Copy(snapshot.Optimizer, slots, "optimizer");
        }
        _optimizer.SetStepCount(snapshot.Step);
        _cursor = snapshot.Cursor;
    }

    // Copies host tensors into their destinations by name; every destination must be given, with its shape.
    private static void Copy(IReadOnlyList<HostTensor> source, IEnumerable<(string Name, Tensor Destination)> destinations, string part)
    {
        var byName = source.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var targets = destinations.ToList();
        var missing = targets.Where(t => !byName.ContainsKey(t.Name)).Select(t => t.Name).ToList();
        var unexpected = byName.Keys.Except(targets.Select(t => t.Name)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new JobException(
                $"the checkpoint's {part} does not match this job's: missing [{string.Join(", ", missing.Take(8))}], unexpected [{string.Join(", ", unexpected.Take(8))}]; " +
                "resume with the job the checkpoint was made with");
        using var noGrad = NoGradScope.Begin();
        using var upload = new PinnedUpload();
        foreach (var (name, destination) in targets)
        {
            var host = byName[name];
            if (!host.Shape.SequenceEqual(destination.Shape))
                throw new JobException($"the checkpoint's {part} tensor {name} has shape [{string.Join(", ", host.Shape)}], this job's has [{string.Join(", ", destination.Shape)}]");
            if (host.DType == destination.DType)
            {
                // From the host bytes into the destination with no temporary CPU tensor, which doubled the traffic and
                // faulted in fresh pages (a 7 GB restore took 7.7 s on an H200 host); to a GPU through pinned memory.
                if (PinnedUpload.Fits(destination)) upload.Copy(host.Bytes.Span, destination);
                else destination.CopyFrom(host.Bytes.Span);
                continue;
            }
            using var value = host.ToTensor();
            destination.Copy_(value);
        }
    }

    private static Device ParseDevice(string text)
    {
        Device device;
        try
        {
            device = Device.Parse(text);
        }
        catch (ArgumentException)
        {
            throw new JobException($"--device {text}: expected cpu, cuda or cuda:N");
        }
        if (!device.IsCuda) return device;
        if (!LibTorch.BuiltWithCuda)
            throw new JobException(
                $"--device {text}: this libtorch ({LibTorch.Version}) is a CPU build, without CUDA; use --device cpu, or build the native shim against a CUDA libtorch (TORCH_DIR, see README.md)");
        var count = Cuda.DeviceCount;
        if (device.Index >= count)
            throw new JobException($"--device {text}: libtorch sees {count} CUDA device(s) here; use cuda:0 to cuda:{count - 1}, or --device cpu");
        return device;
    }

    private static DType ParseDType(string text) =>
        text.ToLowerInvariant() switch
        {
            "f32" or "float32" => DType.Float32,
            "bf16" or "bfloat16" => DType.BFloat16,
            "f64" or "float64" => DType.Float64, // numerical checks on the CPU
            "f16" or "float16" => throw new JobException($"--dtype {text}: float16 training needs loss scaling, which this trainer does not do; use bf16 (or f32)"),
            _ => throw new JobException($"--dtype {text}: not a training dtype; use f32 or bf16 (f64 for numerical checks)"),
        };

    public void Dispose()
    {
        _staging?.Dispose(); // waits for copies in flight before the weights go
        _optimizer.Dispose();
        _parameters.Dispose();
        Objective.Dispose();
    }

    [LoggerMessage(EventId = 105, Level = LogLevel.Information,
        Message = "Session set up in {Seconds:F1} s: data {DataSeconds:F1} s, model {ModelSeconds:F1} s ({Initialisation}), parameters placed on the device {PlacedSeconds:F1} s, state restored {RestoredSeconds:F1} s")]
    private partial void LogSetUp(double seconds, double dataSeconds, double modelSeconds, string initialisation, double placedSeconds, double restoredSeconds);

    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "Rank {Rank}/{WorldSize}: {Objective} on a {ModelType} model of {Parameters:N0} parameters ({Trainable:N0} trainable); data {Data}: {TrainSamples:N0} training samples, {HeldOut} held out; {Device} in {DType} (libtorch {Version})")]
    private partial void LogCreated(string objective, string modelType, long parameters, long trainable, string data, long trainSamples, long heldOut,
        string device, string dtype, string version, int rank, int worldSize);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Weights from {Checkpoint} (init_from)")]
    private partial void LogInitialised(string checkpoint);
}
