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
            // Orleans and ASP.NET Core log their own lifecycle at Information; keep the terminal for ours.
            .MinimumLevel.Override("Orleans", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Polly", Serilog.Events.LogEventLevel.Warning)
            // Its first tick after start always reports a bogus hour-long stall (shared/notes/orleans-10.4.2.md).
            .MinimumLevel.Override("Orleans.Runtime.Watchdog", Serilog.Events.LogEventLevel.Error)
            .Enrich.FromLogContext()
            .WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        try
        {
            var root = new RootCommand("Distributed: pretraining of context-compression language models")
            {
                TrainCommand.Create(),
                TokenizeCommand.Create(),
                SiloCommand.Create(),
                ProbeCommand.Create(),
            };
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
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
