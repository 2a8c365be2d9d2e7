using System.CommandLine;
using Distributed.Silo.Commands;
using Serilog;
using Serilog.Extensions.Logging;

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
                TokenizeCommand.Create(),
            };
            root.Options.Add(CpuThreadsStartup.Option);
            var parse = root.Parse(args);
            using (var loggers = new SerilogLoggerFactory(Log.Logger))
                CpuThreadsStartup.Apply(parse, loggers.CreateLogger("Distributed.Silo.CpuThreads"));
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (OperationCanceledException)
        {
            Log.Warning("Cancelled");
            return 130;
        }
        catch (Exception e)
        {
            // Bad input and failed operations end with their message, not a stack trace; the trace is at debug level.
            Log.Error("{ExceptionType}: {Message}", e.GetType().Name, e.Message);
            Log.Debug(e, "Details");
            return 1;
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }
}
