using System.CommandLine;
using Distributed.Silo.Commands;
using Distributed.Trainer.Training;
using Serilog;
using Serilog.Extensions.Logging;

namespace Distributed.Silo;

public static class Program
{
    public static int Main(string[] args)
    {
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            // Orleans and ASP.NET Core log their own lifecycle at Information; keep the terminal for ours.
            .MinimumLevel.Override("Orleans", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Polly", Serilog.Events.LogEventLevel.Warning)
            // Its first tick after start always reports a bogus hour-long stall (shared/notes/orleans-10.4.2.md).
            .MinimumLevel.Override("Orleans.Runtime.Watchdog", Serilog.Events.LogEventLevel.Error)
            .Enrich.FromLogContext()
            // With --json, stdout carries the JSON result only: logs go to stderr.
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: args.Contains("--json") ? Serilog.Events.LogEventLevel.Verbose : null)
            .CreateLogger();
        // Read before parsing: a failure of the parser or of a command is reported below, outside the command.
        var verbose = args.Contains(CommonOptions.VerboseName);
        try
        {
            var root = new RootCommand("Distributed: pretraining of context-compression language models")
            {
                TrainCommand.Create(),
                EvalCommand.Create(),
                GenerateCommand.Create(),
                TokenizeCommand.Create(),
                SiloCommand.Create(),
                DashboardCommand.Create(),
                ProbeCommand.Create(),
                JobCommand.Create(),
            };
            root.Options.Add(CpuThreadsStartup.Option);
            root.Options.Add(CommonOptions.Verbose);
            var parse = root.Parse(args);
            using (var loggers = new SerilogLoggerFactory(Log.Logger))
                CpuThreadsStartup.Apply(parse, loggers.CreateLogger("Distributed.Silo.CpuThreads"));
            // Commands handle SIGINT/SIGTERM themselves (train saves before it exits), so the parser must not.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (OperationCanceledException)
        {
            Log.Warning("Cancelled");
            return 130;
        }
        catch (JobException e)
        {
            // Bad input: the message says what to change, in the CLI's words.
            Log.Error("{Message}", e.Message);
            if (verbose) Log.Error(e, "Details");
            return 1;
        }
        catch (Exception e)
        {
            // Failed operations end with their message, not a stack trace, unless --verbose.
            Log.Error("{ExceptionType}: {Message}", e.GetType().Name, e.Message);
            if (verbose) Log.Error(e, "Details");
            else Log.Information("Run with {Verbose} for the stack trace", CommonOptions.VerboseName);
            return 1;
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }
}
