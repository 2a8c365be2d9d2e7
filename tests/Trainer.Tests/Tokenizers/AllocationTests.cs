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
            output.Clear();

            var before = GC.GetAllocatedBytesForCurrentThread();
            tokenizer.Encode(text, output, addSpecialTokens: true);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(expected, output);
            Assert.True(allocated == 0, $"{tokenizer.Mode} tokenizer allocated {allocated} bytes for a warm encode");
        }
    }
}
