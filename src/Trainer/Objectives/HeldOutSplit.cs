using Distributed.Trainer.Data;
using Distributed.Trainer.Training;

namespace Distributed.Trainer.Objectives;

/// <summary>
/// Splits a catalog into training samples and the held-out tail of eval_samples samples (in catalog order,
/// i.e. the end of the dataset), which never trains.
/// </summary>
public static class HeldOutSplit
{
    public static (ISampleSource<T> Train, ISampleSource<T> HeldOut) Of<T>(ISampleSource<T> all, int evalSamples, string objective, string dataName)
    {
        if (all.Count < 2 * (long)evalSamples || all.Count < 2)
            throw new JobException(
                $"the dataset {dataName} makes {all.Count} {objective} samples, too few to train and hold out eval_samples {evalSamples}: " +
                "give more text (--dataset), shorter samples (seq_len, substep_tokens, span_tokens in the job file), or fewer eval_samples");
        var train = all.Count - evalSamples;
        return (new SampleRange<T>(all, 0, train, "train"), new SampleRange<T>(all, train, evalSamples, "held-out"));
    }
}
