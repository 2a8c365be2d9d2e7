using Distributed.Trainer.Data;
using Distributed.Trainer.Training;

namespace Distributed.Grains.Jobs;

/// <summary>
/// Checks a <see cref="JobSpec"/> before a job is accepted, and lists every problem at once, each in the CLI's words
/// (the flag or job-file field to change). The CLI runs it before submitting; the job grain runs it again, since a
/// spec may come from any client.
/// </summary>
public static class JobSpecValidator
{
    public static IReadOnlyList<string> Problems(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = new List<string>();
        if (spec.MinWorkers < 1) problems.Add($"--min {spec.MinWorkers}: a job needs at least 1 worker");
        if (spec.MaxWorkers < 1) problems.Add($"--max {spec.MaxWorkers}: a job needs at least 1 worker");
        else if (spec.MaxWorkers < spec.MinWorkers) problems.Add($"--max {spec.MaxWorkers} is below --min {spec.MinWorkers}: give --max >= --min (or --workers N for both)");
        var policy = spec.Checkpoints;
        if (policy is null) problems.Add("no checkpoint policy: give --checkpoint-every N (0: only at the end)");
        else
        {
            if (policy.EverySteps < 0) problems.Add($"--checkpoint-every {policy.EverySteps}: must not be negative (0: only at the end)");
            if (policy.KeepLast < 1) problems.Add($"--keep-last {policy.KeepLast}: keep at least 1 checkpoint");
            if (policy.KeepEvery < 0) problems.Add($"--keep-every {policy.KeepEvery}: must not be negative (0: none kept for good)");
        }
        if (string.IsNullOrWhiteSpace(spec.Storage))
            problems.Add("--storage is empty: give a folder every worker can reach, or blob://CONTAINER/PREFIX");
        else if (spec.Storage.StartsWith(ShardStores.BlobScheme, StringComparison.Ordinal) && spec.Storage.Length <= ShardStores.BlobScheme.Length)
            problems.Add($"--storage {spec.Storage}: name a container, as blob://CONTAINER/PREFIX");
        if (string.IsNullOrWhiteSpace(spec.Name)) problems.Add("--name is empty: give the job a display name (or leave --name out)");
        if (string.IsNullOrWhiteSpace(spec.JobFileJson))
        {
            problems.Add("the job file is empty: give a job file (examples in jobs/)");
            return problems;
        }
        JobFile job;
        try
        {
            job = JobFile.Parse(spec.JobFileJson, "job file");
        }
        catch (JobException e)
        {
            problems.Add(e.Message);
            return problems;
        }
        foreach (var problem in JobFileProblems(job)) problems.Add(problem);
        if (job.Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && job.Device.Contains(':', StringComparison.Ordinal))
            problems.Add($"job file: device {job.Device}: a cluster job runs each worker on its own GPU; write \"cuda\" (or \"cpu\")");
        if (job.Dataset is { } dataset && !dataset.StartsWith(ShardStores.BlobScheme, StringComparison.Ordinal) && !Path.IsPathRooted(dataset))
            problems.Add($"job file: dataset {dataset} is a relative path, which workers in other folders cannot resolve: submit the file with `distributed job submit`, which makes it absolute");
        return problems;
    }

    /// <summary>Throws a <see cref="JobSpecException"/> listing every problem.</summary>
    public static void Validate(JobSpec spec)
    {
        var problems = Problems(spec);
        if (problems.Count > 0) throw new JobSpecException(problems);
    }

    // JobFile.Validate stops at its first problem; running it on copies with that field reset to its default finds the others.
    private static IEnumerable<string> JobFileProblems(JobFile job)
    {
        var defaults = new JobFile();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = job;
        for (var i = 0; i < 32; i++)
        {
            string message;
            try
            {
                current.Validate();
                yield break;
            }
            catch (JobException e)
            {
                message = e.Message;
            }
            if (!seen.Add(message)) yield break;
            yield return message;
            var next = Reset(current, message, defaults);
            if (next is null) yield break;
            current = next;
        }
    }

    // The field a JobFile.Validate message names comes first after "job file: "; put back its default to look further.
    private static JobFile? Reset(JobFile job, string message, JobFile d)
    {
        var text = message.StartsWith("job file: ", StringComparison.Ordinal) ? message["job file: ".Length..] : message;
        var field = text.Split(' ', ',', ':')[0];
        return field switch
        {
            "objective" => job with { Objective = d.Objective },
            "family" => job with { Family = d.Family },
            "no" => job with { Config = System.Text.Json.JsonDocument.Parse("{}").RootElement.Clone() },
            "steps" => job with { Steps = d.Steps },
            "batch" => job with { Batch = d.Batch },
            "micro_batch" => job with { MicroBatch = null },
            "lr" => job with { Lr = d.Lr },
            "min_lr" => job with { MinLr = null },
            "warmup_steps" => job with { WarmupSteps = null },
            "grad_clip" => job with { GradClip = d.GradClip },
            "weight_decay" => job with { WeightDecay = d.WeightDecay },
            "log_every" => job with { LogEvery = d.LogEvery },
            "eval_every" => job with { EvalEvery = d.EvalEvery },
            "eval_samples" => job with { EvalSamples = d.EvalSamples },
            "eval_batch" => job with { EvalBatch = d.EvalBatch },
            "save_every" => job with { SaveEvery = d.SaveEvery },
            "keep_checkpoints" => job with { KeepCheckpoints = d.KeepCheckpoints },
            "peak_tflops" => job with { PeakTflops = null },
            "seq_len" => job with { SeqLen = d.SeqLen },
            "kappa" => job with { Kappa = d.Kappa },
            "substeps" => job with { Substeps = d.Substeps, SegmentsPerSubstep = d.SegmentsPerSubstep },
            "segment_min" => job with { SegmentMin = d.SegmentMin, SegmentMax = d.SegmentMax },
            "memory_tokens" => job with { MemoryTokens = d.MemoryTokens },
            "span_tokens" => job with { SpanTokens = d.SpanTokens },
            "continuation_tokens" => job with { ContinuationTokens = d.ContinuationTokens },
            "lora_rank" => job with { LoraRank = d.LoraRank },
            "autoencode_ratio" => job with { AutoencodeRatio = d.AutoencodeRatio },
            _ when text.Contains("segments_per_substep", StringComparison.Ordinal) => job with
            {
                SegmentsPerSubstep = d.SegmentsPerSubstep,
                SegmentMin = d.SegmentMin,
                SegmentMax = d.SegmentMax,
                SubstepTokens = d.SubstepTokens,
            },
            _ => null,
        };
    }
}
