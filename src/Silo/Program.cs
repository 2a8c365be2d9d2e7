using System.CommandLine;

namespace Distributed.Silo;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Distributed: pretraining of context-compression language models");
        return root.Parse(args).Invoke();
    }
}
