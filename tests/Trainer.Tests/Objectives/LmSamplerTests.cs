using Distributed.Trainer.Data;
using Distributed.Trainer.Objectives.Lm;
using Distributed.Trainer.Tests.Data;

namespace Distributed.Trainer.Tests.Objectives;

public sealed class LmSamplerTests
{
    [Fact]
    public async Task Windows_cut_the_stream_of_documents_so_that_every_token_is_predicted_once()
    {
        using var dir = new TempDirectory();
        int[] lengths = [5, 0, 17, 1, 0, 9, 30];
        var dataset = await TestDatasets.CreateAsync(dir.Path, lengths, documentsPerShard: 2);
        var stream = lengths.SelectMany((n, d) => Enumerable.Range(0, n).Select(i => TestDatasets.Token(d, i))).ToArray();
        var sampler = new LmSampler(dataset, windowTokens: 8, seed: 1);
        Assert.Equal((stream.Length - 1) / 7, sampler.Count);
        var predicted = new List<int>();
        for (var w = 0; w < sampler.Count; w++)
        {
            var window = sampler.Get(w, epoch: 0);
            Assert.Equal(stream.AsSpan(w * 7, 8).ToArray(), window);
            predicted.AddRange(window[1..]);
        }
        // Targets are the stream from its second token on, each once (up to the last partial window).
        Assert.Equal(stream[1..(1 + predicted.Count)], predicted);
        Assert.True(stream.Length - 1 - predicted.Count < 7);
    }
}
