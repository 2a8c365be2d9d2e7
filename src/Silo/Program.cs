using System.CommandLine;
using Distributed.Silo.Commands;
using Serilog;

namespace Distributed.Silo;

public static class Program
{
    public static int Main(string[] args)
    {
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        try
        {
            var root = new RootCommand("Distributed: pretraining of context-compression language models")
            {
                TrainCommand.Create(),
            };
            return root.Parse(args).Invoke();
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }
}
