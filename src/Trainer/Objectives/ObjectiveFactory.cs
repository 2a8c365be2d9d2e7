using Distributed.Trainer.Models;
using Distributed.Trainer.Objectives.AutoCompressor;
using Distributed.Trainer.Objectives.Icae;
using Distributed.Trainer.Objectives.Lm;
using Distributed.Trainer.Torch;
using Distributed.Trainer.Training;

namespace Distributed.Trainer.Objectives;

/// <summary>Builds a job's objective around its model, over its data; and says, before the model exists, what context it needs.</summary>
public static class ObjectiveFactory
{
    public static ContextRequirement Requirement(JobFile job, string modelType, JobData data) => job.Objective switch
    {
        "autocompressor" => AutoCompressorObjective.Requirement(Positions(modelType), job.Kappa, job.Substeps * job.SegmentsPerSubstep, job.SegmentMax),
        "icae" => IcaeObjective.PretrainingRequirement(job.MemoryTokens, job.SpanTokens, job.ContinuationTokens),
        "icae-finetune" => IcaeObjective.FineTuningRequirement(job.MemoryTokens, job.SpanTokens,
            (int)Enumerable.Range(0, (int)data.Instructions!.Count).Select(i => data.Instructions.Get(i, 0)).Max(e => e.Prompt.Length + e.Target.Length)),
        _ => LmObjective.Requirement(job.SeqLen),
    };

    /// <summary>The objective for <paramref name="job"/>; it takes ownership of <paramref name="model"/>.</summary>
    public static Objective Create(JobFile job, CausalLm model, JobData data)
    {
        var seed = (ulong)job.Seed;
        switch (job.Objective)
        {
            case "autocompressor":
                {
                    var options = new AutoCompressorOptions
                    {
                        MaxTokens = job.Substeps * job.SubstepTokens,
                        MinTokens = job.SubstepTokens,
                        LongDocuments = LongDocumentMode.Split,
                        PackShortDocuments = job.PackDocuments,
                        SegmentMinTokens = job.SegmentMin,
                        SegmentMaxTokens = job.SegmentMax,
                        SubstepTokens = job.SubstepTokens,
                        SegmentsPerSubstep = job.SegmentsPerSubstep,
                    };
                    var (train, heldOut) = HeldOutSplit.Of(new AutoCompressorSampler(data.Dataset!, options, seed), job.EvalSamples, job.Objective, data.Name);
                    var ac = new AutoCompressorModel(model, new AutoCompressorConfig(job.Kappa, job.SegmentsPerSubstep, Positions(model.ModelType), model.EosTokenId));
                    return new AutoCompressorObjective(ac, train, heldOut, job.Substeps * job.SegmentsPerSubstep, job.SegmentMax);
                }
            case "icae" or "icae-finetune":
                {
                    var fineTune = job.Objective == "icae-finetune";
                    var all = fineTune ? (Data.ISampleSource<IcaeExample>)data.Instructions! : new IcaeSampler(data.Dataset!, JobData.IcaeLayout(job, data.EosId), seed);
                    var (train, heldOut) = HeldOutSplit.Of(all, job.EvalSamples, job.Objective, data.Name);
                    // LoRA and the memory and special embeddings draw from their own generator, after the model's.
                    using var generator = new Generator(job.Seed + 1);
                    var icae = new IcaeModel(model, new IcaeConfig(job.MemoryTokens, job.SpanTokens, job.LoraRank, job.LoraAlpha, job.LoraTargets, job.AutoencodeRatio,
                        EosTokenId: model.EosTokenId), generator);
                    return new IcaeObjective(icae, train, heldOut, fineTune, data.EosId);
                }
            default:
                {
                    var (train, heldOut) = HeldOutSplit.Of(new LmSampler(data.Dataset!, job.SeqLen + 1, seed), job.EvalSamples, job.Objective, data.Name);
                    return new LmObjective(model, train, heldOut);
                }
        }
    }

    // As the AutoCompressors reference implementation: OPT puts summaries at the padding position, Llama runs positions on.
    private static SummaryPositions Positions(string modelType) => modelType == "opt" ? SummaryPositions.Padding : SummaryPositions.Consecutive;
}
