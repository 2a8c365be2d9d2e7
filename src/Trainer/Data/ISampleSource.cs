namespace Distributed.Trainer.Data;

/// <summary>A fixed catalog of samples; a sample is a pure function of (index, epoch) and the source's seed.</summary>
public interface ISampleSource<out TSample>
{
    /// <summary>Identifies the data the catalog was built from (a manifest id), carried in cursors.</summary>
    string DatasetId { get; }

    ulong Seed { get; }

    /// <summary>Samples per epoch.</summary>
    long Count { get; }

    TSample Get(long sampleIndex, int epoch);
}
