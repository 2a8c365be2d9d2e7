namespace Distributed.Trainer.Tests.Tokenizers;

/// <summary>Once its pieces are cached, encoding allocates nothing: no per-token or per-piece garbage.</summary>
public class AllocationTests
{
    [Fact]
    public void WarmEncodeAllocatesNothing()
    {
        var text = string.Join("\n", SampleTexts.All);
        foreach (var tokenizer in new[] { NodeReference.Gpt2FromVocabAndMerges, NodeReference.Cl100kBase, NodeReference.Llama2 })
        {
            var output = new List<int>(1 << 16);
            tokenizer.Encode(text, output, addSpecialTokens: true);
            var expected = output.ToArray();

            // The least of three tries: a gen-2 GC in between may trim ArrayPool's per-thread arrays, which
            // the next encode then rents anew; per-token garbage would show in every try.
            var allocated = long.MaxValue;
            for (var attempt = 0; attempt < 3; attempt++)
            {
                output.Clear();
                var before = GC.GetAllocatedBytesForCurrentThread();
                tokenizer.Encode(text, output, addSpecialTokens: true);
                allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
                Assert.Equal(expected, output);
            }

            Assert.True(allocated == 0, $"{tokenizer.Mode} tokenizer allocated {allocated} bytes for a warm encode");
        }
    }
}
